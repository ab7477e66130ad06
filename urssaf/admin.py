"""The admin of the urssaf app: the two triage queues, registrations and payment requests."""

from .payments import admin as payments
from .registration import admin as registration

__all__ = ["payments", "registration"]
