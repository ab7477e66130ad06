"""Rate limits count and compare in one atomic step, on Redis and on the demo's file cache.

The concurrency tests fire 50 threads at once against the real backends (no mocks): exactly
`limit` attempts may pass, whatever the interleaving.
"""

import threading
import time

import pytest
import time_machine
from django.core.cache import cache, caches

from clients import ratelimit
from config.cache import FileBasedCache, RedisCache

ATTEMPTS = 50
LIMIT = 5


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def file_cache(tmp_path):
    return FileBasedCache(str(tmp_path / "cache"), {})


def all_at_once(count: int, attempt) -> list:
    """Run `attempt()` in `count` threads released together; return their results."""
    barrier = threading.Barrier(count)
    results = []
    lock = threading.Lock()

    def run():
        barrier.wait()
        outcome = attempt()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_tests_run_on_redis():
    assert isinstance(caches["default"], RedisCache)


def test_fifty_simultaneous_attempts_on_redis_let_exactly_the_limit_through():
    results = all_at_once(
        ATTEMPTS, lambda: ratelimit.allow("test", "one", limit=LIMIT, window_seconds=60)
    )
    assert results.count(True) == LIMIT
    assert sorted(range(1, ATTEMPTS + 1)) == sorted(
        [ratelimit.hit("test", "two", window_seconds=60) for _ in range(ATTEMPTS)]
    )


def test_fifty_simultaneous_hits_on_the_file_cache_each_get_their_own_count(file_cache):
    counts = all_at_once(ATTEMPTS, lambda: file_cache.incr_window("key", 60))
    assert sorted(counts) == list(range(1, ATTEMPTS + 1))


def test_fifty_simultaneous_attempts_on_the_file_cache_let_exactly_the_limit_through(
    file_cache, monkeypatch
):
    monkeypatch.setattr(ratelimit, "cache", file_cache)
    results = all_at_once(
        ATTEMPTS, lambda: ratelimit.allow("test", "one", limit=LIMIT, window_seconds=60)
    )
    assert results.count(True) == LIMIT


def test_a_refused_attempt_does_not_extend_the_window_on_the_file_cache(file_cache):
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        assert file_cache.incr_window("key", 60) == 1
        clock.shift(59)
        assert file_cache.incr_window("key", 60) == 2
        clock.shift(2)  # 61 s after the first hit: a new window, whatever came in between
        assert file_cache.incr_window("key", 60) == 1


def test_a_window_ends_on_redis():
    assert ratelimit.hit("test", "short", window_seconds=1) == 1
    assert ratelimit.hit("test", "short", window_seconds=1) == 2
    time.sleep(1.2)
    assert ratelimit.hit("test", "short", window_seconds=1) == 1


def test_a_redis_counter_that_lost_its_expiry_gets_one_back():
    # What Django's own incr() can leave behind when the key expires between its two calls.
    key = cache.make_and_validate_key(ratelimit._key("test", "stuck"))
    client = cache._cache.get_client(key, write=True)
    client.set(key, 7)
    assert client.ttl(key) == -1

    assert ratelimit.hit("test", "stuck", window_seconds=60) == 8
    assert 0 < client.ttl(key) <= 60


def test_clearing_the_file_cache_keeps_its_lock_file(file_cache):
    file_cache.incr_window("key", 60)
    file_cache.clear()
    assert file_cache.incr_window("key", 60) == 1


def test_reset_forgets_the_hits():
    ratelimit.hit("test", "gone", window_seconds=60)
    ratelimit.reset("test", "gone")
    assert ratelimit.hit("test", "gone", window_seconds=60) == 1
