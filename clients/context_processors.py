"""What every page shows of the cooperative: its name in the header (one query, on use)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Cooperative


def cooperative_identity(request: HttpRequest) -> dict:
    """Expose the portal's cooperative as `site_cooperative` (None before it is set up).

    Error pages for unknown URLs or hosts (no resolved view) do without it: they must render
    even when the database is what failed. Pages use the generic name there.
    """
    if getattr(request, "resolver_match", None) is None:
        return {"site_cooperative": None}
    return {"site_cooperative": SimpleLazyObject(Cooperative.objects.first)}
