"""The admin of the urssaf app: the two triage queues, registrations and payment requests, the
evidence packs and the register of financial guarantees."""

from .evidence import admin as evidence
from .guarantee import admin as guarantee
from .payments import admin as payments
from .registration import admin as registration

__all__ = ["evidence", "guarantee", "payments", "registration"]
