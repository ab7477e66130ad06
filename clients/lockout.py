"""The account the login lockout (django-axes) counts a failure against.

Logins ignore capitals (the e-mail is stored in lower case), so the lockout must too: otherwise
`Alice@Demo.coop`, `ALICE@demo.coop`… would each get their own five tries.
"""

from django.conf import settings
from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the e-mail typed at login, lower-cased (AXES_USERNAME_CALLABLE)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field)
    return username.strip().lower() if isinstance(username, str) else username
