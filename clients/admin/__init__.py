"""Admin for the clients app: people and records, access to records, and the avance immédiate
triage queue."""

from . import accounts, people, registrations

__all__ = ["accounts", "people", "registrations"]
