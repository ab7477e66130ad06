"""Business writes on clients. Views, admin and tasks call these, never the ORM directly.

`records` holds the client record itself, `links` a provider joining an existing record
with the client's consent, `accounts` the portal accounts (opened from an e-mailed link,
password resets). The avance immédiate registration is in urssaf/registration/services/.
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
    register_document_client_lookup,
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
    "register_document_client_lookup",
]
