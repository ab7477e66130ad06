"""The client's own pages: their profile as the cooperative recorded it."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clients.access import client_required

from ..access import AuthenticatedHttpRequest


@require_GET
@client_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the client's identity, contact details, address and providers."""
    client = request.user.client
    providers = client.providers.active().order_by("last_name", "first_name")
    return render(
        request,
        "portal/profile.html",
        {"client": client, "providers": providers, "cooperative": client.cooperative},
    )
