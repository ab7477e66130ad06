"""Business writes on clients. Views, admin and tasks call these, never the ORM directly.

`records` holds the client record itself, `links` a provider joining an existing record
with the client's consent, `accounts` the portal accounts (opened from an e-mailed link,
password resets); `ai_registration` and `ai_followup` the avance immédiate registration,
from the first send to activation and the staff's triage.
"""

from .accounts import (
    account_invitation_send,
    account_link_request,
    account_link_send,
    account_open,
    account_opened_notify,
    client_for_document,
    email_change_notify,
    invitation_for_token,
    invitation_problem,
    password_reset_completed,
    password_reset_request,
    password_reset_send,
)
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
from .links import (
    link_request_answer,
    link_request_create,
    link_request_for_token,
    link_request_review,
    link_request_send,
)
from .records import client_create_for_provider, client_providers_recorded, client_update

__all__ = [
    "account_invitation_send",
    "account_link_request",
    "account_link_send",
    "account_open",
    "account_opened_notify",
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
    "client_create_for_provider",
    "client_for_document",
    "client_providers_recorded",
    "client_update",
    "email_change_notify",
    "invitation_for_token",
    "invitation_problem",
    "link_request_answer",
    "link_request_create",
    "link_request_for_token",
    "link_request_review",
    "link_request_send",
    "password_reset_completed",
    "password_reset_request",
    "password_reset_send",
]
