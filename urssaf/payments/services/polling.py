"""Following the status of every payment request that can still change (Celery beat).

One cycle loads the requests due (`next_poll_at <= now`, an indexed column), searches them 10
ids per call, and writes only what changed: the changed rows in one bulk UPDATE per call, their
history events and audit entries in one INSERT each. Unchanged rows only get their next poll
time moved, in a bulk UPDATE every FLUSH_EVERY rows. The query count per call is therefore
constant whatever the number of requests. What a new status means (book the payment, reverse
it, triage, e-mails) then runs request by request, each in its own transaction.

Only one cycle runs at a time (a cache lock); a refresh of one request takes the same lock.
The lock lives LOCK_TTL and the cycle renews it after every call, so a worker killed mid-cycle
(OOM, deploy, power cut) holds polling up for at most LOCK_TTL, however long cycles are.
"""

import enum
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import cast

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Field, Value, When
from django.utils import timezone

from ... import api
from ...exceptions import PermanentUrssafError, TransientUrssafError, UrssafErrorDetail
from ...payloads import PaymentRequestInfo
from .. import schedule, triage_table
from ..models import EventKind, PaymentRequest, PaymentRequestEvent, RequestState
from ..statuses import CONTESTED_CODES, FAILED_CODES, Money, rejection_info, status_info
from . import money
from .common import audit_bulk, email_on_commit, new_event, triage_now
from .observation import Change, apply_info

logger = logging.getLogger(__name__)

IDS_PER_CALL = api.MAX_SEARCH_KEYS_PER_CALL
LOCK_KEY = "urssaf:payment-requests:poll"
# Longer than one search call and the handling of its 10 answers (each call's connect and read
# timeouts, twice for a token refresh), renewed after each call: a killed cycle's lock expires
# by itself soon after.
LOCK_TTL = timedelta(minutes=2)
FLUSH_EVERY = 500
# A request URSSAF accepted but no longer finds this many times in a row goes to the staff.
MISSING_LIMIT = 3
# The refresh button asks URSSAF at most this often about one request.
REFRESH_MIN_INTERVAL = timedelta(seconds=30)
# A search URSSAF refuses for these ids is tried again later, not every minute.
REFUSED_SEARCH_DELAY = timedelta(hours=1)
SCHEDULE_FIELDS = {"next_poll_at", "last_polled_at"}
CHANGE_FIELDS = [
    "status_code",
    "status_label",
    "status_changed_at",
    "rejection_code",
    "rejection_comment",
    "transfer_date",
    "transfer_amount",
    "validated_at",
    "debited_at",
    "paid_at",
    "ended_at",
    "missing_polls",
    "next_poll_at",
    "last_polled_at",
]


# Three failed searches in a row mean URSSAF is down, not just flaky: stop asking for now.
MAX_CONSECUTIVE_FAILURES = 3


@dataclass
class PollReport:
    """What a cycle did: URSSAF calls made, requests asked about, requests changed."""

    calls: int = 0
    polled: int = 0
    changed: int = 0
    skipped: bool = False


def payment_requests_poll(*, now: datetime | None = None, limit: int | None = None) -> PollReport:
    """Search the status of every request due for polling, 10 ids per call; apply the changes.

    Returns the report; `skipped` when another cycle holds the lock. A failed call leaves
    its chunk due for the next cycle; a 429 or three failures in a row end the cycle early,
    and what was not asked about stays due too.
    """
    with _poll_lock() as lock:
        if not lock:
            return PollReport(skipped=True)
        now = now or timezone.now()
        due = PaymentRequest.objects.due_for_poll(now).order_by("next_poll_at", "pk")
        return _poll(list(_with_relations(due)[:limit]), now, lock)


class RefreshOutcome(enum.Enum):
    """What one press of the refresh button achieved."""

    UPDATED = "updated"  # URSSAF answered with something new, now recorded
    UNCHANGED = "unchanged"  # URSSAF answered: nothing new
    # The call failed: nothing was recorded (not even "asked at"), so the next press asks again.
    UNREACHABLE = "unreachable"
    NOT_NOW = "not_now"  # not at URSSAF, asked less than REFRESH_MIN_INTERVAL ago, or polling


# What the person who pressed the button is told (level, French text): "updated" only
# when URSSAF was reached.
REFRESH_MESSAGES = {
    RefreshOutcome.UPDATED: (
        messages.SUCCESS,
        "Suivi URSSAF actualisé. L'URSSAF a donné du nouveau : il est affiché ci-dessous.",
    ),
    RefreshOutcome.UNCHANGED: (
        messages.INFO,
        "L'URSSAF a répondu : rien de nouveau depuis la dernière vérification.",
    ),
    RefreshOutcome.UNREACHABLE: (
        messages.WARNING,
        "L'URSSAF n'a pas pu être jointe : le suivi n'a pas changé. Réessayez dans un moment.",
    ),
    RefreshOutcome.NOT_NOW: (
        messages.INFO,
        "Le suivi vient d'être actualisé ou une actualisation est en cours : "
        "réessayez dans une minute.",
    ),
}


def payment_request_refresh(*, request: PaymentRequest) -> RefreshOutcome:
    """Ask URSSAF now about one submitted request (the "refresh" button); return the outcome.

    NOT_NOW, without calling URSSAF, when the request is not at URSSAF, was checked less than
    REFRESH_MIN_INTERVAL ago, or a polling cycle is running.
    """
    now = timezone.now()
    fresh = _with_relations(PaymentRequest.objects.filter(pk=request.pk)).get()
    recent = fresh.last_polled_at and now - fresh.last_polled_at < REFRESH_MIN_INTERVAL
    if fresh.state != RequestState.SUBMITTED or recent:
        return RefreshOutcome.NOT_NOW
    with _poll_lock() as lock:
        if not lock:
            return RefreshOutcome.NOT_NOW
        report = _poll([fresh], now, lock)
    if not report.calls:
        return RefreshOutcome.UNREACHABLE
    return RefreshOutcome.UPDATED if report.changed else RefreshOutcome.UNCHANGED


def _with_relations(queryset):
    return queryset.select_related("payment__reversal")


class PollLock:
    """The polling lock held by this process: a cache key holding our own token."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return cache.add(LOCK_KEY, self.token, self._ttl())

    def renew(self) -> bool:
        """Push the expiry back by LOCK_TTL; return False if the lock is no longer ours."""
        if cache.get(LOCK_KEY) == self.token:
            return cache.touch(LOCK_KEY, self._ttl())
        return False

    def release(self) -> None:
        # Only release our own lock: an expired one may already belong to the next cycle.
        if cache.get(LOCK_KEY) == self.token:
            cache.delete(LOCK_KEY)

    @staticmethod
    def _ttl() -> int:
        return int(LOCK_TTL.total_seconds())


@contextmanager
def _poll_lock() -> Iterator[PollLock | None]:
    """Yield the polling lock if this process got it, else None; release it afterwards."""
    lock = PollLock()
    if not lock.acquire():
        yield None
        return
    try:
        yield lock
    finally:
        lock.release()


def _poll(requests: list[PaymentRequest], now: datetime, lock: PollLock) -> PollReport:
    report, unchanged, failures = PollReport(), [], 0
    for index, chunk in enumerate(_chunks(requests, IDS_PER_CALL)):
        if index and not lock.renew():
            # Another cycle may be running now: leave the rest due rather than poll it twice.
            logger.warning("Polling lock lost mid-cycle; the rest waits for the next cycle")
            break
        try:
            found = api.search_payment_requests(ids=[r.urssaf_id for r in chunk])
        except TransientUrssafError as exc:
            failures += 1
            if _gives_up(exc, failures):
                logger.warning("Polling stopped, URSSAF unavailable: %s", exc)
                break
            # A lone timeout or 5xx: that chunk stays due for the next cycle, the rest goes on.
            logger.info("Status search failed, chunk left for the next cycle: %s", exc)
            continue
        except PermanentUrssafError as exc:
            logger.warning("URSSAF refused a status search (%s): retrying later", exc.codes)
            unchanged += _postpone(chunk, now)
            continue
        failures = 0
        report.calls += 1
        report.polled += len(chunk)
        unchanged += _apply_chunk(chunk, found.items, now, report)
        if len(unchanged) >= FLUSH_EVERY:
            _reschedule(unchanged)
            unchanged = []
    _reschedule(unchanged)
    return report


def _gives_up(exc: TransientUrssafError, consecutive_failures: int) -> bool:
    """End the cycle when URSSAF asks us to slow down (429) or fails several times in a row.

    Stopping at the first failure would let polling fall behind whenever URSSAF is flaky:
    at one failed call in five, a cycle of 50 calls would almost never finish.
    """
    return exc.status_code == 429 or consecutive_failures >= MAX_CONSECUTIVE_FAILURES


def _chunks(items: list, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _postpone(chunk, now: datetime) -> list[PaymentRequest]:
    for request in chunk:
        request.next_poll_at = now + REFUSED_SEARCH_DELAY
    return list(chunk)


def _apply_chunk(
    chunk: list[PaymentRequest], items, now: datetime, report: PollReport
) -> list[PaymentRequest]:
    """Apply one search answer; save the changes; return the unchanged requests."""
    found: dict[str, PaymentRequestInfo] = {item.request_id: item for item in items}
    changes, unchanged = [], []
    for request in chunk:
        change = _observe(request, found.get(request.urssaf_id), now)
        request.last_polled_at = now
        request.next_poll_at = schedule.next_poll_at(request, now)
        if change:
            changes.append((request, change))
        else:
            unchanged.append(request)
    if changes:
        _save_changes(changes, now)
        report.changed += len(changes)
    for request, change in changes:
        _react(request, change)
    for request in unchanged:
        _catch_up(request)
    return unchanged


def _observe(request: PaymentRequest, info: PaymentRequestInfo | None, now: datetime):
    if info is None:
        request.missing_polls += 1
        logger.warning("URSSAF did not find payment request %s", request.pk)
        return Change(request.status_code, request.status_code, {"missing_polls"})
    change = apply_info(request, info.status_code, now=now, info=info)
    if request.missing_polls:
        request.missing_polls = 0
        change = change or Change(request.status_code, request.status_code)
        change.fields.add("missing_polls")
    return change


@transaction.atomic
def _save_changes(changes: list[tuple[PaymentRequest, Change]], now: datetime) -> None:
    requests = [request for request, _ in changes]
    changed_fields = set().union(*(change.fields for _, change in changes))
    _write(requests, [name for name in CHANGE_FIELDS if name in changed_fields | SCHEDULE_FIELDS])
    moved = [(request, change) for request, change in changes if change.status_changed]
    PaymentRequestEvent.objects.bulk_create(
        [
            new_event(
                request,
                EventKind.STATUS,
                now,
                status_info(change.new_code).label,
                status_code=change.new_code,
                previous_code=change.old_code,
            )
            for request, change in moved
        ]
    )
    audit_bulk(
        [
            (request, "urssaf.payment_request.status", {"status_code": [c.old_code, c.new_code]})
            for request, c in moved
        ]
    )


def _reschedule(requests: list[PaymentRequest]) -> None:
    if requests:
        _write(requests, sorted(SCHEDULE_FIELDS))


def _write(requests: list[PaymentRequest], names: list[str]) -> None:
    """Save these fields of the requests in one UPDATE.

    A field every row shares (the new status, the time it was seen) is set as one value; only
    the others need a CASE per row. Much lighter than bulk_update's CASE on every field.
    """
    values = {}
    for name in names:
        field = cast(Field, PaymentRequest._meta.get_field(name))  # a column of the request
        distinct = {getattr(request, field.attname) for request in requests}
        if len(distinct) == 1:
            values[name] = distinct.pop()
            continue
        whens = [
            When(pk=request.pk, then=Value(getattr(request, field.attname), output_field=field))
            for request in requests
        ]
        values[name] = Case(*whens, output_field=field)
    PaymentRequest.objects.filter(pk__in=[request.pk for request in requests]).update(**values)


# --- what a new status means ------------------------------------------------------------------


def _react(request: PaymentRequest, change: Change) -> None:
    """Run what a change calls for: triage, e-mails to the provider, the payment's books."""
    if request.missing_polls == MISSING_LIMIT:
        _triage(request, triage_table.NOT_FOUND, "La demande n'est plus trouvée par l'URSSAF.")
    if not change.status_changed:
        return
    code, info = change.new_code, status_info(change.new_code)
    if not info.known:
        _triage(request, triage_table.UNKNOWN_STATUS, f"Statut {code} « {request.status_label} ».")
    if code in CONTESTED_CODES:
        reason = rejection_info(request.rejection_code).label if request.rejection_code else ""
        _triage(request, triage_table.CONTESTED, f"{reason} {request.rejection_comment}".strip())
        email_on_commit("contested", request)
    if code in FAILED_CODES:
        _triage(request, triage_table.DEBIT_REFUSED, info.label)
        email_on_commit("debit_failed", request)
        email_on_commit("debit_refused", request)
    _catch_up(request)


def _catch_up(request: PaymentRequest) -> None:
    """Book or reverse the payment a status calls for, if not done (a failed try is retried)."""
    money_effect = status_info(request.status_code).money
    if money_effect == Money.BOOK and request.payment_id is None and not request.is_in_triage:
        money.urssaf_payment_book(request_id=request.pk)
    elif (
        money_effect == Money.REVERSE
        and request.payment_id is not None
        and not hasattr(request.payment, "reversal")
    ):
        money.urssaf_payment_reverse(request_id=request.pk)


@transaction.atomic
def _triage(request: PaymentRequest, code: str, message: str) -> None:
    locked = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    triage_now(locked, [UrssafErrorDetail(code=code, message=message)], timezone.now())
    request.triage_state, request.triage_bucket = locked.triage_state, locked.triage_bucket
