from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from ..access import AuthenticatedHttpRequest


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
