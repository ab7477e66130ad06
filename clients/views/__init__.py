from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..access import AuthenticatedHttpRequest
from ..models import Cooperative


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each user to the front page of their role."""
    user = request.user
    if user.is_provider:
        return redirect("provider:dashboard")
    if user.is_client:
        return redirect("portal:invoice_list")
    if user.is_cooperative_staff:
        return redirect("admin:index")
    return redirect("login")


@require_safe
@cache_control(public=True, max_age=86400)
def cooperative_logo(request: HttpRequest) -> FileResponse:
    """Serve the cooperative's logo (public: it heads the login page too); 404 when unset.

    Its URL carries the file's name, which changes with each upload: a day's cache is safe.
    """
    cooperative = Cooperative.objects.first()
    if cooperative is None or not cooperative.logo:
        raise Http404("no logo")
    try:
        return FileResponse(cooperative.logo.open("rb"))
    except FileNotFoundError as exc:
        raise Http404("logo file missing") from exc
