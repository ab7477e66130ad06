"""What every page shows of the cooperative: its name and logo in the header.

The cooperative is read on every page and changes a few times in its life: it is kept in the
cache (no query per page) and forgotten whenever it is saved or deleted.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Cooperative

CACHE_KEY = "site-cooperative"
# A safety net only: saving or deleting the cooperative forgets it at once.
CACHE_SECONDS = 3600


def site_cooperative() -> Cooperative | None:
    """Return the portal's cooperative (None before it is set up), from the cache if there."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = (Cooperative.objects.first(),)  # a tuple, so that "none yet" is cached too
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached[0]


@receiver(post_save, sender=Cooperative)
@receiver(post_delete, sender=Cooperative)
def forget_site_cooperative(**kwargs) -> None:
    """Drop the cached cooperative now, and again at commit: a page rendered meanwhile by
    another process may have cached the previous version."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def cooperative_identity(request: HttpRequest) -> dict:
    """Expose the portal's cooperative as `site_cooperative` (None before it is set up).

    Error pages for unknown URLs or hosts (no resolved view) do without it: they must render
    even when the database is what failed. Pages use the generic name there.
    """
    if getattr(request, "resolver_match", None) is None:
        return {"site_cooperative": None}
    return {"site_cooperative": SimpleLazyObject(site_cooperative)}
