"""Business writes on clients. Views, admin and tasks call these, never the ORM directly.

`records` holds the client record itself, `accounts` the portal accounts clients create;
`ai_registration` and `ai_followup` the avance immédiate registration, from the first send to
activation and the staff's triage.
"""

from .accounts import INVOICE_NOT_FOUND, client_account_create
from .ai_followup import (
    ai_activation_check_requested,
    ai_activation_poll,
    ai_registrations_follow_up,
    ai_registrations_requeue_stuck,
    ai_triage_mark,
)
from .ai_registration import (
    ai_client_prepare,
    ai_registration_give_up,
    ai_registration_resend,
    ai_registration_send,
    ai_registration_start,
    ai_registrations_retry,
    ai_registrations_start_many,
)
from .records import (
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_PERSON,
    client_create_for_provider,
    client_update,
)

__all__ = [
    "EMAIL_TAKEN",
    "EMAIL_TAKEN_OTHER_PERSON",
    "INVOICE_NOT_FOUND",
    "ai_activation_check_requested",
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
    "client_account_create",
    "client_create_for_provider",
    "client_update",
]
