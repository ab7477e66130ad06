"""Fixed-window rate limits on the Django cache (Redis in production and tests, files in the demo).

Every limit counts first and compares after ("increment, then compare"), in one atomic step of
the cache (config/cache.py): of N simultaneous attempts exactly `limit` are allowed, never more.
Keys are hashed, so what the visitor typed never lands in the cache in clear.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def hit(scope: str, value: str, *, window_seconds: int) -> int:
    """Count one hit for `value`; return the hits in the current window (the first opens it)."""
    # Both cache backends of config/cache.py add incr_window to Django's.
    return cache.incr_window(_key(scope, value), window_seconds)  # type: ignore[attr-defined]


def allow(scope: str, value: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for `value` and tell whether it is within `limit` for the window.

    A refused attempt is counted too: hammering a limit does not bring its end any closer, and
    the window never grows either (it starts at the first hit).
    """
    return hit(scope, value, window_seconds=window_seconds) <= limit


def reset(scope: str, value: str) -> None:
    """Forget the hits of `value` (after a success that should not count against it)."""
    cache.delete(_key(scope, value))


@dataclass(frozen=True)
class Limit:
    """A named limit: at most `limit` attempts per `window_seconds` for each value."""

    scope: str
    limit: int
    window_seconds: int

    def allow(self, value: object) -> bool:
        """Count one attempt for `value`; tell whether it is within the limit."""
        return allow(self.scope, str(value), limit=self.limit, window_seconds=self.window_seconds)
