"""Admin for the clients app: people and records, and access to records."""

from . import accounts, people

__all__ = ["accounts", "people"]
