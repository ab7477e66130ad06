"""Payment requests that need a financial guarantee are held, not sent, while none is valid;
they leave on their own, once each, when one is recorded (décret 2024-1161)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from audit.services import audit_trail
from invoices import services as invoice_services
from invoices.models import PaymentMode
from invoices.services import DepositData, LineData
from urssaf import api as urssaf_api
from urssaf import tasks
from urssaf.exceptions import PermanentUrssafError, UrssafErrorDetail
from urssaf.guarantee import rules, services
from urssaf.models import EventKind, PaymentRequest, RequestState, TriageState
from urssaf.payments import services as payment_services
from urssaf.payments import triage_table as triage
from urssaf.payments.services.held import payment_requests_release_held
from urssaf.payments.triage_table import PaymentBucket

from ...factories import nature
from ..conftest import AI_PERIOD

pytestmark = pytest.mark.django_db

MARCH_17 = dt.date(2026, 3, 17)


def request_of(invoice) -> PaymentRequest:
    return PaymentRequest.objects.get(invoice=invoice)


def issue_with_deposit(client, provider, capture):
    draft = invoice_services.invoice_create_draft(
        provider=provider,
        client=client,
        period_start=AI_PERIOD[0],
        period_end=AI_PERIOD[1],
        lines=[
            LineData(
                nature=nature("entretien-maison"),
                service_date=dt.date(2026, 3, 5),
                quantity=Decimal("3"),
                unit_price_ttc=Decimal("25"),
                vat_rate=Decimal("10"),
            )
        ],
        deposit=DepositData(Decimal("0.01"), dt.date(2026, 3, 1), PaymentMode.CHEQUE),
    )
    with capture(execute=True):
        return payment_services.invoice_issue_and_submit(invoice=draft, by=provider.user)


def test_below_the_threshold_requests_are_sent_and_counted_to_the_cent(
    ai_alice, issue_ai_invoice, sandbox, low_threshold
):
    first, second = issue_ai_invoice(ai_alice), issue_ai_invoice(ai_alice)

    assert [request_of(i).state for i in (first, second)] == [RequestState.SUBMITTED] * 2
    assert rules.year_total(2026) == Decimal("150.00")
    assert rules.running_total(second) == Decimal("150.00")
    assert rules.year_status(2026, MARCH_17).level == 100
    assert not rules.year_status(2026, MARCH_17).required


def test_the_request_that_passes_the_threshold_is_held_not_sent(
    ai_alice, issue_ai_invoice, sandbox, low_threshold
):
    issue_ai_invoice(ai_alice)
    issue_ai_invoice(ai_alice)
    third = issue_ai_invoice(ai_alice)

    request = request_of(third)
    assert request.state == RequestState.HELD
    assert request.error_codes == [triage.GUARANTEE_THRESHOLD]
    assert request.triage_bucket == PaymentBucket.GUARANTEE
    assert request.triage_state == TriageState.OPEN
    assert "Enregistrer l'attestation" in request.bucket_advice.next_action
    assert sandbox.submissions(third.number) == []
    assert rules.running_total(third) == Decimal("225.00")
    assert [e.kind for e in request.events.all()] == [EventKind.CREATED, EventKind.HELD]
    assert "urssaf.payment_request.held" in [e.action for e in audit_trail(request)]


def test_an_acompte_needs_a_guarantee_from_the_first_euro(
    ai_alice, carol, clock, sandbox, django_capture_on_commit_callbacks
):
    clock.move_to(dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC))
    invoice = issue_with_deposit(ai_alice, carol, django_capture_on_commit_callbacks)

    request = request_of(invoice)
    assert request.state == RequestState.HELD
    assert request.error_codes == [triage.GUARANTEE_DEPOSIT]
    assert sandbox.submissions(invoice.number) == []


def test_an_acompte_is_sent_when_a_guarantee_is_valid(
    ai_alice, carol, clock, sandbox, make_guarantee, django_capture_on_commit_callbacks
):
    make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    clock.move_to(dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC))
    invoice = issue_with_deposit(ai_alice, carol, django_capture_on_commit_callbacks)

    assert request_of(invoice).state == RequestState.SUBMITTED
    assert len(sandbox.submissions(invoice.number)) == 1


def test_an_expired_guarantee_does_not_count(
    ai_alice, carol, clock, sandbox, make_guarantee, django_capture_on_commit_callbacks
):
    make_guarantee(dt.date(2025, 1, 1), dt.date(2026, 3, 16))
    clock.move_to(dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC))
    invoice = issue_with_deposit(ai_alice, carol, django_capture_on_commit_callbacks)

    assert request_of(invoice).state == RequestState.HELD


def test_recording_a_valid_guarantee_releases_and_sends_the_held_requests_once(
    ai_alice, issue_ai_invoice, sandbox, low_threshold, sam, django_capture_on_commit_callbacks
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(4)]
    assert [request_of(i).state for i in invoices[2:]] == [RequestState.HELD] * 2
    guarantee = services.FinancialGuarantee(
        issuer="Banque coopérative",
        amount=Decimal("250000.00"),
        valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2027, 2, 28),
    )
    guarantee.attestation.save("a.pdf", services_file(), save=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.guarantee_record(guarantee=guarantee, by=sam)

    for invoice in invoices[2:]:
        request = request_of(invoice)
        assert request.state == RequestState.SUBMITTED
        assert request.triage_state == TriageState.RESOLVED
        assert len(sandbox.submissions(invoice.number)) == 1
        assert EventKind.RELEASED in [e.kind for e in request.events.all()]
    # Nothing else to release, nothing sent again.
    assert payment_requests_release_held() == 0
    tasks.submit_payment_requests.apply()
    assert [len(sandbox.submissions(i.number)) for i in invoices] == [1, 1, 1, 1]
    assert "urssaf.guarantee.recorded" in [e.action for e in audit_trail(guarantee)]


def services_file():
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4 attestation")


def test_a_guarantee_starting_later_releases_the_requests_on_its_first_day(
    ai_alice,
    issue_ai_invoice,
    sandbox,
    low_threshold,
    make_guarantee,
    clock,
    django_capture_on_commit_callbacks,
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(3)]
    make_guarantee(dt.date(2026, 3, 20), dt.date(2027, 3, 19))

    assert services.guarantee_follow_up()["released"] == 0
    assert request_of(invoices[2]).state == RequestState.HELD

    clock.move_to(dt.datetime(2026, 3, 20, 7, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.guarantee_follow_up()["released"] == 1
    assert request_of(invoices[2]).state == RequestState.SUBMITTED
    assert len(sandbox.submissions(invoices[2].number)) == 1


@pytest.fixture
def not_sent(monkeypatch):
    """Issue without sending: the on-commit submission is not enqueued."""
    monkeypatch.setattr(tasks.submit_payment_requests, "delay", lambda *args, **kwargs: None)


def test_a_guarantee_withdrawn_before_the_sending_holds_the_request_at_send_time(
    ai_alice,
    carol,
    clock,
    sandbox,
    make_guarantee,
    sam,
    not_sent,
    django_capture_on_commit_callbacks,
):
    guarantee = make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    clock.move_to(dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC))
    invoice = issue_with_deposit(ai_alice, carol, django_capture_on_commit_callbacks)
    assert request_of(invoice).state == RequestState.PENDING

    services.guarantee_withdraw(guarantee=guarantee, by=sam, note="Résiliée par la banque.")
    assert payment_services.payment_requests_submit_ready() == 0

    request = request_of(invoice)
    assert request.state == RequestState.HELD
    assert request.claim_token is None
    assert sandbox.submissions(invoice.number) == []


def test_an_urssaf_refusal_for_the_guarantee_goes_to_the_same_bucket_and_leaves_with_it():
    assert triage.TABLE.bucket_for([triage.URSSAF_GUARANTEE]) == PaymentBucket.GUARANTEE


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_releases_move_each_request_once(
    ai_alice, issue_ai_invoice, sandbox, low_threshold, make_guarantee, not_sent
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(6)]
    make_guarantee(dt.date(2026, 3, 1), dt.date(2026, 12, 31))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    released: list[int] = []

    def worker():
        try:
            barrier.wait()
            released.append(payment_requests_release_held())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(released) == 4
    for invoice in invoices[2:]:
        request = request_of(invoice)
        assert request.state == RequestState.PENDING
        assert [e.kind for e in request.events.all()].count(EventKind.RELEASED) == 1
    # The two below the threshold were never sent either (no task): all six leave now, once.
    assert payment_services.payment_requests_submit_ready() == 6
    assert [len(sandbox.submissions(i.number)) for i in invoices] == [1] * 6


def test_the_staff_may_abandon_a_held_request_and_it_is_never_released(
    ai_alice,
    issue_ai_invoice,
    sandbox,
    low_threshold,
    make_guarantee,
    sam,
    django_capture_on_commit_callbacks,
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(3)]
    held_request = request_of(invoices[2])

    payment_services.payment_request_abandon(
        request=held_request, by=sam, note="Le client règle par virement."
    )
    make_guarantee(dt.date(2026, 3, 1), dt.date(2026, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        assert payment_requests_release_held() == 0

    assert request_of(invoices[2]).state == RequestState.CANCELLED
    assert sandbox.submissions(invoices[2].number) == []
    # Paid outside the avance immédiate: it no longer counts in the year's total.
    assert rules.year_total(2026) == Decimal("150.00")


def test_a_refusal_by_urssaf_for_the_guarantee_is_sent_again_only_after_a_new_guarantee(
    ai_alice,
    issue_ai_invoice,
    sandbox,
    make_guarantee,
    monkeypatch,
    clock,
    django_capture_on_commit_callbacks,
):
    first = make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    real = urssaf_api.submit_payment_requests

    def refuse(demandes):
        detail = UrssafErrorDetail(code=triage.URSSAF_GUARANTEE, message="Garantie absente")
        raise PermanentUrssafError("HTTP 400", status_code=400, errors=(detail,))

    monkeypatch.setattr(urssaf_api, "submit_payment_requests", refuse)
    invoice = issue_ai_invoice(ai_alice)
    request = request_of(invoice)
    assert (request.state, request.triage_bucket) == (RequestState.FAILED, PaymentBucket.GUARANTEE)

    # The guarantee URSSAF refused is unchanged: sending again would be refused again.
    clock.shift(dt.timedelta(hours=1))
    assert payment_requests_release_held() == 0

    monkeypatch.setattr(urssaf_api, "submit_payment_requests", real)
    first.sent_to_urssaf_on = dt.date(2026, 3, 17)
    with django_capture_on_commit_callbacks(execute=True):
        services.guarantee_record(guarantee=first, by=sam_user())

    request = request_of(invoice)
    assert request.state == RequestState.SUBMITTED
    assert len(sandbox.submissions(invoice.number)) == 1


def sam_user():
    from clients.models import Role

    from ...factories import UserFactory

    return UserFactory(email="sam2@example.org", role=Role.STAFF, is_staff=True)
