"""Role checks for views. Object lookups stay owner-scoped in each app (404 for others)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .models import Role, User

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind login_required (or the admin) receives: a logged-in User.

    For type checking only: annotating such a view's `request` with it spares every view an
    `isinstance(request.user, User)` that the decorator already guarantees.
    """

    user: User


def role_required(role: Role) -> Callable[[View], View]:
    """Let in logged-in users of `role` only; others get a 403, anonymous users the login page."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponseBase:
            user = request.user
            allowed = {
                Role.CLIENT: user.is_client,
                Role.PROVIDER: user.is_provider,
                Role.STAFF: user.is_cooperative_staff,
            }[role]
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


provider_required = role_required(Role.PROVIDER)
client_required = role_required(Role.CLIENT)
