"""What every page shows of the cooperative: its name and logo in the header.

The cooperative is read on every page and changes a few times in its life: it is kept in the
cache (no query per page) and forgotten whenever it is saved or deleted.
"""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Cooperative

# A safety net only: saving or deleting the cooperative forgets it at once.
CACHE_SECONDS = 3600


def cache_key() -> str:
    """The cooperative's key, per database: two portals (or a portal and its test suite) may
    share one Redis, and must never show each other's name."""
    return f"site-cooperative:{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}"


def site_cooperative() -> Cooperative | None:
    """Return the portal's cooperative (None before it is set up), from the cache if there."""
    key = cache_key()
    cached = cache.get(key)
    if cached is None:
        cached = (Cooperative.objects.first(),)  # a tuple, so that "none yet" is cached too
        cache.set(key, cached, CACHE_SECONDS)
    return cached[0]


@receiver(post_save, sender=Cooperative)
@receiver(post_delete, sender=Cooperative)
def forget_site_cooperative(**kwargs) -> None:
    """Drop the cached cooperative now, and again at commit: a page rendered meanwhile by
    another process may have cached the previous version."""
    key = cache_key()
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def cooperative_identity(request: HttpRequest) -> dict:
    """Expose the portal's cooperative as `site_cooperative` (None before it is set up).

    Error pages for unknown URLs or hosts (no resolved view) do without it: they must render
    even when the database is what failed. Pages use the generic name there.
    """
    if getattr(request, "resolver_match", None) is None:
        return {"site_cooperative": None}
    return {"site_cooperative": SimpleLazyObject(site_cooperative)}
