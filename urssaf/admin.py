"""The admin of the urssaf app: the two triage queues, registrations and payment requests, and
the evidence packs."""

from .evidence import admin as evidence
from .payments import admin as payments
from .registration import admin as registration

__all__ = ["evidence", "payments", "registration"]
