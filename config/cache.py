"""The two cache backends the portal runs on, each with an atomic windowed counter.

Rate limits must count an attempt and read the count in one step ("increment, then compare"):
reading first lets simultaneous requests all see a count under the limit. Django's own `incr`
is not enough: on Redis it checks the key exists and increments in two calls (a key expiring in
between comes back without expiry: a permanent block); on files it is a read and a write.

- `RedisCache` (production, tests): one Lua script, run atomically by Redis.
- `FileBasedCache` (the demo without Redis): the read-modify-write under an exclusive file
  lock, which the web server's threads and the Celery worker all take.
"""

import math
import os
import time
from contextlib import contextmanager

from django.core.cache.backends import filebased, redis
from django.core.files import locks

# INCR creates a missing key at 1; only then (or for a key that somehow lost its expiry) does
# the window start, so later hits never extend it.
_INCR_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class RedisCache(redis.RedisCache):
    def incr_window(self, key: str, window_seconds: int, version: int | None = None) -> int:
        """Count one hit on `key` and return the hits in its window (the first opens it)."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)  # type: ignore[attr-defined]  # Django's
        return int(client.eval(_INCR_WINDOW, 1, key, window_seconds))


class FileBasedCache(filebased.FileBasedCache):
    lock_name = "counters.lock"

    def incr_window(self, key: str, window_seconds: int, version: int | None = None) -> int:
        """Count one hit on `key` and return the hits in its window (the first opens it)."""
        with self._counters_lock():
            now = time.time()
            # Stored as (end of window, count): the expiry of the cache entry alone could not
            # be read back, and each write must keep the window's original end.
            ends_at, count = self.get(key, (0.0, 0), version)
            if ends_at <= now:
                ends_at, count = now + window_seconds, 0
            count += 1
            self.set(key, (ends_at, count), math.ceil(ends_at - now), version)
            return count

    @contextmanager
    def _counters_lock(self):
        self._createdir()
        with open(os.path.join(self._dir, self.lock_name), "a+b") as handle:
            locks.lock(handle, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(handle)
