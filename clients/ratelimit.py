"""A small fixed-window rate limiter on the Django cache (Redis in production and tests).

Used where a guess can be repeated: the self-registration check of an invoice number and date.
Keys are hashed, so what the visitor typed never lands in the cache in clear.
"""

import hashlib

from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def is_limited(scope: str, value: str, *, limit: int) -> bool:
    """Tell whether `value` already used up its `limit` hits in the current window."""
    return (cache.get(_key(scope, value)) or 0) >= limit


def hit(scope: str, value: str, *, window_seconds: int) -> int:
    """Count one hit for `value`; return the hits in the current window (the first opens it)."""
    key = _key(scope, value)
    # add() only sets a missing key, so the window starts at the first hit and is not extended.
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:
        # The window expired between add() and incr(): this hit opens a new one.
        cache.set(key, 1, timeout=window_seconds)
        return 1


def reset(scope: str, value: str) -> None:
    """Forget the hits of `value` (after a success that should not count against it)."""
    cache.delete(_key(scope, value))
