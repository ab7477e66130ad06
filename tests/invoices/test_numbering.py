"""The one numbering of billing documents (invoices/services/numbering.py): a series per
cooperative, kind and year, gap-free and without repeats, whatever runs at the same time."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from invoices import services
from invoices.models import DocumentSequence, Invoice, InvoiceStatus, Quote

pytestmark = pytest.mark.django_db


def run_at_once(calls) -> list[BaseException]:
    """Run every call in its own thread, each on its own PostgreSQL connection, released
    together; return what they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def sessions_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_each_kind_has_its_own_series_in_its_own_format(carol, alice, make_draft, make_quote):
    invoice = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    second_quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)

    assert invoice.number == "2026-00001"
    assert (quote.number, second_quote.number) == ("D2026-00001", "D2026-00002")
    assert set(DocumentSequence.objects.values_list("kind", "year", "last_value")) == {
        ("invoice", 2026, 1),
        ("quote", 2026, 2),
    }


def test_a_quote_sent_before_the_last_one_of_the_year_is_refused(carol, alice, make_quote):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    late = make_quote(carol, alice)
    with (
        time_machine.travel(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC), tick=False),
        pytest.raises(ValidationError, match="un devis a déjà été envoyé le 23/11/2026"),
    ):
        services.quote_send(quote=late, by=carol.user)
    late.refresh_from_db()
    assert late.number is None
    assert DocumentSequence.objects.get(kind="quote").last_value == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_gap_free_numbers(carol, alice, make_draft):
    """Eight threads, each on its own PostgreSQL connection, issue at the same moment."""
    drafts = [make_draft(carol, alice) for _ in range(8)]

    errors = run_at_once(
        [lambda d=d: services.invoice_issue(invoice=d, by=carol.user) for d in drafts]
    )

    assert errors == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    year = Invoice.objects.first().year
    assert sequences == list(range(1, 9))
    assert DocumentSequence.objects.get(kind="invoice", year=year).last_value == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_quotes_and_invoices_each_get_an_unbroken_series(
    carol, alice, make_draft, make_quote
):
    """Five invoices and five quotes of one cooperative numbered at the same moment: no series
    row exists yet, so the threads also race to create them."""
    invoices = [make_draft(carol, alice) for _ in range(5)]
    quotes = [make_quote(carol, alice) for _ in range(5)]
    calls = [
        *(lambda d=d: services.invoice_issue(invoice=d, by=carol.user) for d in invoices),
        *(lambda d=d: services.quote_send(quote=d, by=carol.user) for d in quotes),
    ]

    assert run_at_once(calls) == []

    year = timezone.localdate().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"{year}-{n:05d}" for n in range(1, 6)
    ]
    assert sorted(Quote.objects.values_list("number", flat=True)) == [
        f"D{year}-{n:05d}" for n in range(1, 6)
    ]
    assert set(DocumentSequence.objects.values_list("kind", "last_value")) == {
        ("invoice", 5),
        ("quote", 5),
    }


@pytest.mark.parametrize("earlier", [0, 1], ids=["first-of-the-year", "series-started"])
@pytest.mark.django_db(transaction=True)
def test_an_issue_rolled_back_while_another_waits_leaves_neither_a_gap_nor_a_repeat(
    carol, alice, make_draft, earlier
):
    """The first issue takes the next number and holds the series while the second waits for
    it; the first then fails and rolls back: the second must get that number, not the one after
    (a gap), and the first, issued again, the one after (not the same: a repeat). Whether the
    series row is created by these issues or was there already."""
    for _ in range(earlier):
        services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    first, second = make_draft(carol, alice), make_draft(carol, alice)
    numbered, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def issue_then_crash():
        try:
            with transaction.atomic():
                services.invoice_issue(invoice=first, by=carol.user)
                numbered.set()
                release.wait(timeout=30)
                raise RuntimeError("crash after numbering")
        except RuntimeError:
            pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def issue_after_the_first_numbered():
        try:
            numbered.wait(timeout=30)
            services.invoice_issue(invoice=second, by=carol.user)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=issue_then_crash),
        threading.Thread(target=issue_after_the_first_numbered),
    ]
    for thread in threads:
        thread.start()
    assert numbered.wait(timeout=30)
    deadline = time.monotonic() + 30
    while sessions_waiting_on_a_lock() < 1:  # the second issue is blocked on the series
        assert time.monotonic() < deadline, "the second issue never waited for the first"
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join()

    assert errors == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.sequence) == (
        InvoiceStatus.DRAFT,
        InvoiceStatus.ISSUED,
        earlier + 1,
    )
    again = services.invoice_issue(invoice=first, by=carol.user)
    assert again.sequence == earlier + 2
    assert DocumentSequence.objects.get(kind="invoice").last_value == earlier + 2
