"""How work for URSSAF is claimed and retried: the same rules for registrations and payments.

A worker claims a record before calling URSSAF (state "claimed", `claimed_at`, `attempts` + 1);
a claim older than STALE_CLAIM belongs to a dead worker and may be taken again. After a
transient failure, exponential backoff: 30 s, 1, 2, 4, 8, then 15 min, each with up to half of
it as jitter so that an outage does not bring every retry back at the same second; URSSAF's
Retry-After wins when it asks for longer.
"""

import random
from datetime import timedelta

# Longer than CELERY_TASK_TIME_LIMIT (180 s): a claim this old belongs to a dead worker.
STALE_CLAIM = timedelta(minutes=10)
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 15 * 60


def retry_delay(retries: int, retry_after: float | None) -> float:
    """Return the seconds before try number `retries + 1`, jittered, at least `retry_after`."""
    backoff = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    jittered = backoff * (0.5 + random.random() / 2)  # noqa: S311 (spreading, not security)
    return max(jittered, retry_after or 0)
