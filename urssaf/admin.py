"""The admin of the urssaf app: the two triage queues, registrations and payment requests,
and the register of financial guarantees."""

from .guarantee import admin as guarantee
from .payments import admin as payments
from .registration import admin as registration

__all__ = ["guarantee", "payments", "registration"]
