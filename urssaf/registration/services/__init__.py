"""Registering clients for the avance immédiate: the business writes. Views, admin and tasks call
these, never the ORM directly.

`submission`: preparing the client record, starting an attempt, sending it (the task) and
recording URSSAF's answer. `followup`: after URSSAF accepted it, activation, reminders, expiry
and the staff's triage.
"""

from .followup import (
    ai_activation_poll,
    ai_registrations_follow_up,
    ai_registrations_requeue_stuck,
    ai_triage_mark,
)
from .submission import (
    ai_client_prepare,
    ai_registration_give_up,
    ai_registration_resend,
    ai_registration_send,
    ai_registration_start,
    ai_registrations_retry,
    ai_registrations_start_many,
)

__all__ = [
    "ai_activation_poll",
    "ai_client_prepare",
    "ai_registration_give_up",
    "ai_registration_resend",
    "ai_registration_send",
    "ai_registration_start",
    "ai_registrations_follow_up",
    "ai_registrations_requeue_stuck",
    "ai_registrations_retry",
    "ai_registrations_start_many",
    "ai_triage_mark",
]
