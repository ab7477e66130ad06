"""When to ask URSSAF again about a payment request, and when its next step is expected.

Pure functions of the request's status and milestone times (the moments the portal saw each
status), shared by the poller and the invoice timeline so both expect the same things: poll
often while something is expected soon (the first hours after sending, around the 48 h
deadline, the debit at J+2, the transfer at J+4), rarely otherwise, and stop once the status
cannot change any more (or a settled one has been watched long enough).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .statuses import (
    AWAITING_VALIDATION_CODES,
    DEBIT_DELAY,
    TRANSFER_DELAY,
    VALIDATION_WINDOW,
    status_info,
)

PARIS = ZoneInfo("Europe/Paris")
# Clients often validate as soon as URSSAF's e-mail arrives: watch closely at first.
FIRST_HOURS = timedelta(hours=2)
# Poll at the fast rate from this long before an expected change to this long after it.
NEAR_WINDOW = timedelta(hours=1)
# Past the window and still nothing: URSSAF is late, keep an eye without hammering it.
OVERDUE_EVERY = timedelta(hours=1)


def validation_deadline(request) -> datetime | None:
    """Return when silence validates the request: 48 h after URSSAF accepted it."""
    if request.submitted_at is None:
        return None
    return request.submitted_at + VALIDATION_WINDOW


def expected_debit(request) -> datetime | None:
    """Return when the client's share should be debited: about J+2 after validation."""
    start = request.validated_at or validation_deadline(request)
    return start + DEBIT_DELAY if start else None


def expected_transfer(request) -> datetime | None:
    """Return when URSSAF should pay: its announced date, else about J+2 after the debit."""
    if request.transfer_date is not None:
        return datetime.combine(request.transfer_date, time(0), tzinfo=PARIS)
    start = request.debited_at or expected_debit(request)
    return start + TRANSFER_DELAY if start else None


def expected_change(request) -> datetime | None:
    """Return when the current status should move on, None when nothing is scheduled."""
    code = request.status_code
    if code in AWAITING_VALIDATION_CODES:
        return validation_deadline(request)
    if code == "30":
        return expected_debit(request)
    if code == "50":
        return expected_transfer(request)
    return None


def next_poll_at(request, now: datetime) -> datetime | None:
    """Return when to search this request's status next, None to stop polling it."""
    info = status_info(request.status_code)
    if not info.can_change or info.poll_every is None:  # only final statuses have no cadence
        return None
    entered = request.status_changed_at or now
    if info.watch_for is not None and now >= entered + info.watch_for:
        return None
    if info.near_every is None:
        return now + info.poll_every
    submitted = request.submitted_at
    if (
        request.status_code in AWAITING_VALIDATION_CODES
        and submitted
        and now < submitted + FIRST_HOURS
    ):
        return now + info.near_every
    expected = expected_change(request)
    if expected is None:
        return now + info.poll_every
    if now < expected - NEAR_WINDOW:
        # Sleep at the slow rate, but wake up in time for the window.
        return min(now + info.poll_every, expected - NEAR_WINDOW)
    if now <= expected + NEAR_WINDOW:
        return now + info.near_every
    return now + OVERDUE_EVERY
