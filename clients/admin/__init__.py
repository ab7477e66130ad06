"""Admin for the clients app: people and records, and the avance immédiate triage queue."""

from . import people, registrations

__all__ = ["people", "registrations"]
