"""Following payment requests: when each is asked about, what a cycle writes (only changes,
in a constant number of queries per call), unknown codes, lost requests, the lock."""

import datetime as dt
import math
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.services import audit_trail
from urssaf import api as urssaf_api
from urssaf.exceptions import TransientUrssafError
from urssaf.models import EventKind, PaymentRequest, RequestState
from urssaf.payloads import PaymentRequestInfo, Rejection, SearchResult, Transfer
from urssaf.payments import schedule, services, statuses, triage_table
from urssaf.payments import services as urssaf_services
from urssaf.payments.services import polling
from urssaf.payments.timeline import transfer_text
from urssaf.payments.triage_table import PaymentBucket

NOW = dt.datetime(2026, 3, 17, 9, 0, tzinfo=dt.UTC)
MIN, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


def seen(code: str, *, sent_ago=HOUR, entered_ago=None, **milestones) -> SimpleNamespace:
    """A request as the schedule reads it: sent `sent_ago`, in `code` since `entered_ago`."""
    values = {
        "status_code": code,
        "submitted_at": NOW - sent_ago,
        "status_changed_at": NOW - (entered_ago if entered_ago is not None else sent_ago),
        "validated_at": None,
        "debited_at": None,
        "transfer_date": None,
    }
    return SimpleNamespace(**{**values, **milestones})


# --- the cadence ---------------------------------------------------------------------------


def test_the_first_hours_after_sending_are_watched_every_five_minutes():
    assert schedule.next_poll_at(seen("20", sent_ago=30 * MIN), NOW) == NOW + 5 * MIN


def test_a_quiet_wait_is_polled_hourly():
    assert schedule.next_poll_at(seen("20", sent_ago=10 * HOUR), NOW) == NOW + HOUR


def test_the_poller_wakes_up_in_time_for_the_48_hour_deadline():
    request = seen("20", sent_ago=46 * HOUR + 30 * MIN)
    assert schedule.next_poll_at(request, NOW) == NOW + 30 * MIN  # deadline minus one hour


def test_around_the_deadline_it_polls_every_five_minutes():
    assert schedule.next_poll_at(seen("20", sent_ago=47 * HOUR + 30 * MIN), NOW) == NOW + 5 * MIN
    assert schedule.next_poll_at(seen("20", sent_ago=48 * HOUR + 30 * MIN), NOW) == NOW + 5 * MIN


def test_past_the_window_a_late_status_is_checked_hourly():
    assert schedule.next_poll_at(seen("20", sent_ago=52 * HOUR), NOW) == NOW + HOUR


def test_the_debit_is_expected_two_days_after_validation():
    validated = seen("30", sent_ago=3 * DAY, entered_ago=HOUR, validated_at=NOW - HOUR)
    assert schedule.next_poll_at(validated, NOW) == NOW + 3 * HOUR
    near = seen("30", sent_ago=4 * DAY, entered_ago=2 * DAY, validated_at=NOW - 2 * DAY)
    assert schedule.next_poll_at(near, NOW) == NOW + 15 * MIN


def test_the_transfer_is_expected_on_the_day_urssaf_announced():
    debited = seen(
        "50",
        sent_ago=4 * DAY,
        entered_ago=HOUR,
        validated_at=NOW - 2 * DAY,
        debited_at=NOW - HOUR,
        transfer_date=dt.date(2026, 3, 18),
    )
    # Midnight on the 18th in Paris is 23:00 UTC on the 17th; wake up an hour before.
    assert schedule.expected_transfer(debited) == dt.datetime(2026, 3, 17, 23, tzinfo=dt.UTC)
    assert schedule.next_poll_at(debited, NOW) == NOW + 3 * HOUR


def test_a_paid_request_is_watched_twice_a_day_for_thirty_days_then_left_alone():
    assert schedule.next_poll_at(seen("70", entered_ago=DAY), NOW) == NOW + 12 * HOUR
    assert schedule.next_poll_at(seen("70", entered_ago=31 * DAY), NOW) is None


@pytest.mark.parametrize("code", ["40", "110", "111", "112", "113", "90", "100"])
def test_a_final_status_is_not_polled_any_more(code):
    assert schedule.next_poll_at(seen(code), NOW) is None


def test_an_unknown_status_keeps_being_polled_slowly():
    assert schedule.next_poll_at(seen("999"), NOW) == NOW + 6 * HOUR


# --- the status table ----------------------------------------------------------------------


CONTRACT = ["10", "20", "30", "40", "50", "60", "70", "110", "111", "112", "113", "120"]
UNCONFIRMED = ["15", "80", "90", "100", "260", "270"]


@pytest.mark.parametrize("code", CONTRACT + UNCONFIRMED)
def test_every_status_of_the_contract_has_a_french_label_a_description_and_a_category(code):
    info = statuses.status_info(code)
    assert info.known
    assert info.label
    assert info.description.endswith(".")
    assert info.category in statuses.Category
    assert info.confirmed == (code in CONTRACT and code != "113")


def test_an_unknown_status_is_kept_verbatim_and_flagged():
    info = statuses.status_info("999")
    assert (info.code, info.known, info.label) == ("999", False, "Statut inconnu (999)")


def test_reject_reasons_have_their_french_label_and_family():
    assert statuses.rejection_info("CONTEST_ERR_FACT").label == "La facture comporte une erreur"
    assert statuses.rejection_info("REGUL_NB_QTE_FACT").family == "Régularisation"
    unknown = statuses.rejection_info("MOTIF_NEUF")
    assert (unknown.known, unknown.label) == (False, "Motif inconnu (MOTIF_NEUF)")


def test_the_transfer_reads_as_scheduled_then_received():
    scheduled = SimpleNamespace(transfer_date=dt.date(2026, 3, 23), transfer_amount=None)
    received = SimpleNamespace(transfer_date=dt.date(2026, 3, 23), transfer_amount=75)
    assert transfer_text(scheduled) == "Virement prévu le 23/03/2026"
    assert transfer_text(received) == "Virement de 75,00\u00a0€ reçu le 23/03/2026"


# --- a cycle against a fake seam ---------------------------------------------------------------


@pytest.fixture
def requests_at_urssaf(alice, carol, make_draft):
    """Return `make(n, code)`: n invoices whose requests URSSAF holds, all due for a poll."""

    def make(count: int, code: str = "10") -> list[PaymentRequest]:
        made = []
        for index in range(count):
            invoice = urssaf_services.invoice_issue_and_submit(
                invoice=make_draft(carol, alice), by=carol.user
            )
            made.append(
                PaymentRequest.objects.create(
                    invoice=invoice,
                    invoice_number=invoice.number,
                    state=RequestState.SUBMITTED,
                    urssaf_id=f"dp-{invoice.pk}-{index}",
                    status_code=code,
                    submitted_at=timezone.now() - 3 * HOUR,
                    status_changed_at=timezone.now() - 3 * HOUR,
                    next_poll_at=timezone.now() - MIN,
                )
            )
        return made

    return make


@pytest.fixture
def urssaf_says(monkeypatch):
    """Return `says(code, **details)`: the fake search answers every id with that status."""
    answer = {"code": "20", "details": {}, "calls": [], "missing": set()}

    def search(*, ids=(), **criteria):
        answer["calls"].append(list(ids))
        items = tuple(
            PaymentRequestInfo(
                request_id=request_id,
                invoice_number="",
                id_client="",
                status_code=answer["code"],
                status_label=answer["details"].get("label", ""),
                rejection=answer["details"].get("rejection"),
                transfer=answer["details"].get("transfer"),
            )
            for request_id in ids
            if request_id not in answer["missing"]
        )
        return SearchResult(items=items)

    monkeypatch.setattr(urssaf_api, "search_payment_requests", search)

    def says(code: str, **details):
        answer.update(code=code, details=details)
        return answer

    return says


def queries_of_a_cycle() -> tuple[int, polling.PollReport]:
    ContentType.objects.clear_cache()  # every cycle pays the audit's one lookup alike
    with CaptureQueriesContext(connection) as queries:
        report = services.payment_requests_poll()
    return len(queries), report


def make_due() -> None:
    PaymentRequest.objects.update(next_poll_at=timezone.now() - MIN)


@pytest.mark.django_db
def test_a_cycle_asks_ten_ids_per_call_and_its_queries_per_call_do_not_grow(
    requests_at_urssaf, urssaf_says
):
    answer = urssaf_says("20")
    requests_at_urssaf(20)
    small, small_report = queries_of_a_cycle()
    requests_at_urssaf(40)
    PaymentRequest.objects.update(status_code="10")
    make_due()
    large, large_report = queries_of_a_cycle()

    assert (small_report.calls, large_report.calls) == (2, 6)
    assert [len(ids) for ids in answer["calls"]] == [10] * 8
    # What is due and the audit's content type, then the same few queries per call (one
    # UPDATE, the events and audit entries inserted in bulk, inside a savepoint).
    per_call = (large - small) / (large_report.calls - small_report.calls)
    assert per_call == (small - 2) / small_report.calls
    assert per_call <= 5


@pytest.mark.django_db
def test_unchanged_requests_get_no_event_and_a_single_reschedule(requests_at_urssaf, urssaf_says):
    urssaf_says("10")
    made = requests_at_urssaf(30)

    count, report = queries_of_a_cycle()

    assert report.calls == math.ceil(len(made) / 10)
    assert report.changed == 0
    assert count == 2  # what is due, then one UPDATE of their next poll times
    assert not PaymentRequest.objects.filter(events__kind=EventKind.STATUS).exists()
    assert PaymentRequest.objects.filter(next_poll_at__lte=timezone.now()).count() == 0


@pytest.mark.django_db
def test_a_change_is_recorded_with_its_time_in_the_history_and_the_audit(
    requests_at_urssaf, urssaf_says
):
    urssaf_says("20")
    [request] = requests_at_urssaf(1)

    services.payment_requests_poll()

    request.refresh_from_db()
    [event] = request.events.filter(kind=EventKind.STATUS)
    assert (event.previous_code, event.status_code) == ("10", "20")
    assert event.at == request.status_changed_at == request.last_polled_at
    [entry] = [e for e in audit_trail(request) if e.action == "urssaf.payment_request.status"]
    assert entry.changes == {"status_code": ["10", "20"]}


@pytest.mark.django_db
def test_an_unknown_status_is_stored_as_is_and_raised_to_the_staff(requests_at_urssaf, urssaf_says):
    urssaf_says("999", label="Nouveau statut URSSAF")
    [request] = requests_at_urssaf(1, code="20")

    services.payment_requests_poll()

    request.refresh_from_db()
    assert (request.status_code, request.status_label) == ("999", "Nouveau statut URSSAF")
    assert request.triage_bucket == PaymentBucket.OTHER
    assert request.error_codes == [triage_table.UNKNOWN_STATUS]
    assert request.next_poll_at is not None


@pytest.mark.django_db
def test_the_reason_and_the_transfer_are_kept(requests_at_urssaf, urssaf_says):
    urssaf_says(
        "50",
        rejection=Rejection("REGUL_AUTRE", "Quantité revue"),
        transfer=Transfer(date=dt.date(2026, 3, 23), amount=None),
    )
    [request] = requests_at_urssaf(1, code="30")

    services.payment_requests_poll()

    request.refresh_from_db()
    assert (request.rejection_code, request.rejection_comment) == ("REGUL_AUTRE", "Quantité revue")
    assert (request.transfer_date, request.transfer_amount) == (dt.date(2026, 3, 23), None)
    assert request.debited_at is not None  # the jump from 30 to 50 is seen as a debit


@pytest.mark.django_db
def test_a_request_urssaf_no_longer_finds_goes_to_triage_after_three_cycles(
    requests_at_urssaf, urssaf_says
):
    answer = urssaf_says("20")
    [request] = requests_at_urssaf(1, code="20")
    answer["missing"].add(request.urssaf_id)

    for _ in range(polling.MISSING_LIMIT):
        make_due()
        services.payment_requests_poll()

    request.refresh_from_db()
    assert request.missing_polls == polling.MISSING_LIMIT
    assert request.error_codes == [triage_table.NOT_FOUND]


@pytest.mark.django_db
def test_only_one_cycle_runs_at_a_time(requests_at_urssaf, urssaf_says):
    answer = urssaf_says("20")
    requests_at_urssaf(3)
    cache.set(polling.LOCK_KEY, "another worker", 60)
    try:
        report = services.payment_requests_poll()
    finally:
        cache.delete(polling.LOCK_KEY)

    assert report.skipped
    assert answer["calls"] == []


@pytest.fixture
def lock_clock(monkeypatch):
    """The polling lock in a local-memory cache whose expiry follows a travelling clock."""
    lock_cache = LocMemCache("polling-lock", {})
    lock_cache.clear()  # instances of one name share their store
    monkeypatch.setattr(polling, "cache", lock_cache)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
    lock_cache.clear()


@pytest.mark.django_db
def test_a_cycle_longer_than_the_lock_ttl_keeps_its_lock_by_renewing_it(
    requests_at_urssaf, urssaf_says, lock_clock, monkeypatch
):
    answer = urssaf_says("20")
    search = urssaf_api.search_payment_requests
    holders = []

    def slow_search(**criteria):
        holders.append(polling.cache.get(polling.LOCK_KEY))
        lock_clock.shift(polling.LOCK_TTL * 0.6)  # each call takes 60 % of the lock's life
        return search(**criteria)

    monkeypatch.setattr(urssaf_api, "search_payment_requests", slow_search)
    requests_at_urssaf(30)

    report = services.payment_requests_poll()

    assert report.calls == len(answer["calls"]) == 3
    assert None not in holders  # held by this cycle throughout
    assert len(set(holders)) == 1
    assert polling.cache.get(polling.LOCK_KEY) is None  # and released at the end


@pytest.mark.django_db
def test_a_cycle_that_lost_its_lock_stops_and_leaves_the_rest_due(
    requests_at_urssaf, urssaf_says, lock_clock, monkeypatch
):
    answer = urssaf_says("20")
    search = urssaf_api.search_payment_requests

    def stalled_search(**criteria):
        found = search(**criteria)
        lock_clock.shift(polling.LOCK_TTL + dt.timedelta(seconds=1))  # the lock expired
        polling.cache.add(polling.LOCK_KEY, "the next cycle", 60)  # and another cycle took it
        return found

    monkeypatch.setattr(urssaf_api, "search_payment_requests", stalled_search)
    requests_at_urssaf(25)

    report = services.payment_requests_poll()

    assert report.calls == len(answer["calls"]) == 1
    assert PaymentRequest.objects.filter(status_code="10").count() == 15  # still due
    assert polling.cache.get(polling.LOCK_KEY) == "the next cycle"  # not released by us


@pytest.mark.django_db
def test_a_worker_killed_mid_cycle_holds_polling_up_for_one_lock_ttl_at_most(
    requests_at_urssaf, urssaf_says, lock_clock
):
    answer = urssaf_says("20")
    requests_at_urssaf(3)
    assert polling.PollLock().acquire()  # a cycle whose worker dies: never released

    assert services.payment_requests_poll().skipped
    lock_clock.shift(polling.LOCK_TTL + dt.timedelta(seconds=1))
    report = services.payment_requests_poll()

    assert polling.LOCK_TTL <= 3 * MIN  # a few beat periods, not a quarter of an hour
    assert not report.skipped
    assert report.calls == 1
    assert len(answer["calls"]) == 1


@pytest.mark.django_db
def test_urssaf_unavailable_ends_the_cycle_and_leaves_the_rest_due(requests_at_urssaf, monkeypatch):
    requests_at_urssaf(12)

    def down(**criteria):
        raise TransientUrssafError("HTTP 503")

    monkeypatch.setattr(urssaf_api, "search_payment_requests", down)

    report = services.payment_requests_poll()

    assert report.calls == 0
    assert PaymentRequest.objects.filter(next_poll_at__lte=timezone.now()).count() == 12


@pytest.mark.django_db
def test_a_lone_failed_search_skips_its_chunk_and_the_cycle_goes_on(
    requests_at_urssaf, urssaf_says, monkeypatch
):
    requests_at_urssaf(30)
    answer = urssaf_says("20")
    healthy = urssaf_api.search_payment_requests
    calls = {"count": 0}

    def flaky(**criteria):
        calls["count"] += 1
        if calls["count"] == 1:
            raise TransientUrssafError("read timeout")
        return healthy(**criteria)

    monkeypatch.setattr(urssaf_api, "search_payment_requests", flaky)

    report = services.payment_requests_poll()

    assert report.calls == 2  # the two chunks after the failed one
    assert len(answer["calls"]) == 2
    # The first chunk was not asked about: it is still due, the others moved on to 20.
    assert PaymentRequest.objects.filter(next_poll_at__lte=timezone.now()).count() == 10
    assert PaymentRequest.objects.filter(status_code="20").count() == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "calls_made"),
    [
        (TransientUrssafError("HTTP 503", status_code=503), 3),  # three in a row: URSSAF down
        (TransientUrssafError("HTTP 429", status_code=429, retry_after=30), 1),  # slow down
    ],
)
def test_a_429_or_three_failures_in_a_row_end_the_cycle(
    requests_at_urssaf, monkeypatch, failure, calls_made
):
    requests_at_urssaf(50)
    attempts = []

    def failing(**criteria):
        attempts.append(criteria)
        raise failure

    monkeypatch.setattr(urssaf_api, "search_payment_requests", failing)

    report = services.payment_requests_poll()

    assert len(attempts) == calls_made
    assert report.calls == 0
    assert PaymentRequest.objects.filter(next_poll_at__lte=timezone.now()).count() == 50
