"""Business writes on clients. Views, admin and tasks call these, never the ORM directly.

`records` holds the client record itself, `accounts` the portal accounts clients create. The
avance immédiate registration is in urssaf/registration/services/.
"""

from .accounts import INVOICE_NOT_FOUND, client_account_create
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
    "client_account_create",
    "client_create_for_provider",
    "client_update",
]
