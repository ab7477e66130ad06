"""Admin for the clients app: people and records."""

from . import people

__all__ = ["people"]
