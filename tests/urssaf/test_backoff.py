"""The backoff of every task that calls URSSAF: doubling, jittered, capped, Retry-After first."""

import pytest

from urssaf import backoff, tasks


@pytest.mark.parametrize("retries", range(tasks.SEND_MAX_RETRIES))
def test_the_backoff_doubles_with_up_to_half_of_it_as_jitter(retries):
    expected = min(backoff.RETRY_CAP_SECONDS, backoff.RETRY_BASE_SECONDS * 2**retries)
    delays = {backoff.retry_delay(retries, None) for _ in range(50)}
    assert all(expected / 2 <= delay <= expected for delay in delays)
    assert len(delays) > 1


def test_the_backoff_never_comes_back_before_urssafs_retry_after():
    assert backoff.retry_delay(0, 600) == 600


def test_all_retries_together_stay_within_half_an_hour():
    worst = sum(
        min(backoff.RETRY_CAP_SECONDS, backoff.RETRY_BASE_SECONDS * 2**n)
        for n in range(tasks.SEND_MAX_RETRIES)
    )
    assert worst <= 31 * 60
