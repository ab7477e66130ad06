"""Sending payment requests: on issue, in batches of ten, each answer on its own, exactly once
(a duplicated task, two workers, a crash after URSSAF's answer), the doublon, the failures."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from audit.services import audit_trail
from clients.models import Provider
from urssaf import api as urssaf_api
from urssaf import tasks
from urssaf.exceptions import PermanentUrssafError, TransientUrssafError
from urssaf.models import EventKind, PaymentRequest, RequestState, TriageState
from urssaf.payments import services, triage_table
from urssaf.payments import services as urssaf_services
from urssaf.payments.demande import build_payment_request
from urssaf.payments.services import submission
from urssaf.payments.triage_table import PaymentBucket

from ...factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(monkeypatch):
    """Issue without sending: the on-commit task is not enqueued (the requests stay pending)."""
    monkeypatch.setattr(tasks.submit_payment_requests, "delay", lambda *args, **kwargs: None)


@pytest.fixture
def spy(monkeypatch):
    """Record the size of every POST /demandePaiement, still calling the sandbox."""
    sizes: list[int] = []
    real = urssaf_api.submit_payment_requests

    def submit(demandes):
        sizes.append(len(demandes))
        return real(demandes)

    monkeypatch.setattr(urssaf_api, "submit_payment_requests", submit)
    return sizes


def submissions(sandbox, invoice) -> int:
    return len(sandbox.submissions(invoice.number))


def only_request(invoice) -> PaymentRequest:
    return PaymentRequest.objects.get(invoice=invoice)


def test_an_invoice_for_a_client_without_the_avance_immediate_creates_no_request(
    alice, carol, make_draft
):
    invoice = urssaf_services.invoice_issue_and_submit(
        invoice=make_draft(carol, alice), by=carol.user
    )
    assert not PaymentRequest.objects.filter(invoice=invoice).exists()


def test_issuing_sends_the_request_after_the_commit_and_tells_the_client(
    ai_alice, issue_ai_invoice, sandbox
):
    invoice = issue_ai_invoice(ai_alice)

    request = only_request(invoice)
    [demande] = sandbox.demandes(invoice.number)["demandes"]
    assert request.state == RequestState.SUBMITTED
    assert request.urssaf_id == demande["idDemandePaiement"]
    assert request.status_code == "10"
    assert [e.kind for e in request.events.all()] == [EventKind.CREATED, EventKind.SUBMITTED]
    assert [e.action for e in audit_trail(request)][:2] == [
        "urssaf.payment_request.submitted",
        "urssaf.payment_request.created",
    ]
    [message] = mail.outbox
    assert message.to == [ai_alice.email]
    assert "Vous avez 48 h pour valider ou contester" in message.body
    assert "jusqu'au 19/03/2026 à 10h00" in message.body


def test_the_worker_identification_travels_in_complement2(
    ai_alice, issue_ai_invoice, sandbox, carol
):
    invoice = issue_ai_invoice(ai_alice)
    [demande] = sandbox.demandes(invoice.number)["demandes"]
    assert [line["complement2"] for line in demande["demandePaiement"]["inputPrestations"]] == [
        f"SIR{carol.siret}"
    ]


def test_ready_requests_go_in_batches_of_ten_per_call(
    ai_alice, issue_ai_invoice, sandbox, held, spy
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(12)]

    sent = services.payment_requests_submit_ready()

    assert sent == 12
    assert spy == [10, 2]
    assert all(submissions(sandbox, invoice) == 1 for invoice in invoices)
    assert set(PaymentRequest.objects.values_list("state", flat=True)) == {RequestState.SUBMITTED}


def test_each_invoice_of_a_batch_gets_its_own_answer(
    ai_alice, activate_ai, carol, issue_ai_invoice, held, spy
):
    other = activate_ai(ClientFactory(cooperative=carol.cooperative, providers=[carol]))
    good = issue_ai_invoice(ai_alice)
    refused = issue_ai_invoice(other)
    # URSSAF checks the birth date against the client it knows: a typo here is refused there.
    other.birth_date = dt.date(1975, 5, 18)
    other.save()

    services.payment_requests_submit_ready()

    assert spy == [2]
    assert only_request(good).state == RequestState.SUBMITTED
    failed = only_request(refused)
    assert failed.state == RequestState.FAILED
    assert failed.error_codes == ["ERR_PARTICULIER_INCONNU"]
    assert failed.triage_bucket == PaymentBucket.CLIENT_ACCOUNT
    assert failed.triage_state == TriageState.OPEN


def test_a_duplicated_task_sends_the_request_once(ai_alice, issue_ai_invoice, sandbox, held):
    invoice = issue_ai_invoice(ai_alice)
    request = only_request(invoice)

    tasks.submit_payment_requests.apply(args=[request.pk])
    tasks.submit_payment_requests.apply(args=[request.pk])

    assert submissions(sandbox, invoice) == 1
    assert only_request(invoice).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_never_send_a_request_twice(
    ai_alice, issue_ai_invoice, sandbox, held
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(15)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: list[int] = []

    def worker():
        try:
            barrier.wait()
            sent.append(services.payment_requests_submit_ready())
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
    assert sum(sent) == 15
    assert [submissions(sandbox, invoice) for invoice in invoices] == [1] * 15
    assert set(PaymentRequest.objects.values_list("attempts", flat=True)) == {1}


def test_a_crash_after_urssaf_accepted_is_recovered_by_a_search_not_a_second_send(
    ai_alice, issue_ai_invoice, sandbox, held, clock, monkeypatch
):
    invoice = issue_ai_invoice(ai_alice)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed between URSSAF's answer and the commit")

    with monkeypatch.context() as patch:
        patch.setattr(submission, "_record_accepted", killed)
        with pytest.raises(SystemExit):
            services.payment_requests_submit_ready()
    stuck = only_request(invoice)
    assert (stuck.state, stuck.urssaf_id) == (RequestState.CLAIMED, "")
    assert services.payment_requests_submit_ready() == 0  # the claim is not stale yet

    clock.shift(submission.STALE_CLAIM + dt.timedelta(minutes=1))
    assert services.payment_requests_submit_ready() == 1

    adopted = only_request(invoice)
    [demande] = sandbox.demandes(invoice.number)["demandes"]
    assert submissions(sandbox, invoice) == 1
    assert adopted.state == RequestState.SUBMITTED
    assert adopted.urssaf_id == demande["idDemandePaiement"]
    assert adopted.events.filter(kind=EventKind.ADOPTED).exists()


def test_a_doublon_is_reconciled_with_the_request_urssaf_already_holds(
    ai_alice, issue_ai_invoice, sandbox, held
):
    invoice = issue_ai_invoice(ai_alice)
    # Sent once already by a path the record does not know of (a restored backup, say).
    [earlier] = urssaf_api.submit_payment_requests([build_payment_request(invoice)])

    services.payment_requests_submit_ready()

    request = only_request(invoice)
    assert request.state == RequestState.SUBMITTED
    assert request.urssaf_id == earlier.request_id
    assert request.triage_state == ""
    assert [s["errors"][0]["code"] for s in sandbox.submissions(invoice.number)[1:]] == [
        "ERR_FACTURE_DOUBLON"
    ]


def test_a_doublon_of_another_invoice_goes_to_triage_to_be_renumbered(
    ai_alice, issue_ai_invoice, sandbox, held
):
    invoice = issue_ai_invoice(ai_alice)
    other = build_payment_request(invoice)
    urssaf_api.submit_payment_requests(
        [
            type(other)(
                **{
                    **other.__dict__,
                    "total_ttc": Decimal("50.00"),
                    "total_ht": Decimal("45.45"),
                    "lines": (
                        type(other.lines[0])(
                            **{
                                **other.lines[0].__dict__,
                                "quantity": Decimal("2"),
                                "total_ttc": Decimal("50.00"),
                                "total_ht": Decimal("45.45"),
                                "total_tva": Decimal("4.55"),
                            }
                        ),
                    ),
                }
            )
        ]
    )

    services.payment_requests_submit_ready()

    request = only_request(invoice)
    assert request.state == RequestState.FAILED
    assert request.error_codes == [triage_table.DUPLICATE_ELSEWHERE]
    assert request.triage_bucket == PaymentBucket.INVOICE_DATA


def test_an_expired_mandate_goes_to_the_client_account_queue_then_is_resent_once_renewed(
    ai_alice, issue_ai_invoice, sandbox, sam, django_capture_on_commit_callbacks
):
    sandbox.expire_mandate(ai_alice.urssaf_id_client)

    invoice = issue_ai_invoice(ai_alice)

    request = only_request(invoice)
    assert request.state == RequestState.FAILED
    assert request.error_codes == ["ERR_MANDAT_ECHU"]
    assert request.triage_bucket == PaymentBucket.CLIENT_ACCOUNT
    [(_, advice)] = triage_table.TABLE.explain(request.error_codes)
    assert advice.explanation == "Le mandat de prélèvement SEPA du client a expiré."

    sandbox.renew_mandate(ai_alice.urssaf_id_client)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_request_retry(request=request, by=sam)

    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED
    assert [s["accepted"] for s in sandbox.submissions(invoice.number)] == [False, True]


def test_a_transient_failure_waits_out_the_backoff_and_retry_after(
    ai_alice, issue_ai_invoice, sandbox, held, clock
):
    invoice = issue_ai_invoice(ai_alice)
    urssaf_api.get_access_token()  # so that the fault hits the send itself
    sandbox.set_faults(error_rate=1, error_statuses=[503], retry_after_seconds=600)

    with pytest.raises(TransientUrssafError):
        services.payment_requests_submit_ready()
    waiting = only_request(invoice)
    sandbox.set_faults(error_rate=0)

    assert waiting.state == RequestState.PENDING
    assert waiting.retry_at >= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=590)
    assert services.payment_requests_submit_ready() == 0
    clock.shift(dt.timedelta(minutes=11))
    assert services.payment_requests_submit_ready() == 1
    assert submissions(sandbox, invoice) == 1


def test_a_failed_search_before_resending_releases_the_whole_batch_not_only_the_uncertain(
    ai_alice, issue_ai_invoice, sandbox, held, monkeypatch
):
    # Found by bench/soak.py: the fresh requests of the batch stayed claimed for STALE_CLAIM.
    uncertain, *fresh = [issue_ai_invoice(ai_alice) for _ in range(3)]
    PaymentRequest.objects.filter(invoice=uncertain).update(attempts=1)

    def unavailable(**criteria):
        raise TransientUrssafError("HTTP 503", retry_after=1)

    monkeypatch.setattr(urssaf_api, "search_payment_requests", unavailable)
    with pytest.raises(TransientUrssafError):
        services.payment_requests_submit_ready()

    requests = PaymentRequest.objects.all()
    assert {request.state for request in requests} == {RequestState.PENDING}
    assert {request.claim_token for request in requests} == {None}
    assert all(request.retry_at is not None for request in requests)
    assert [submissions(sandbox, invoice) for invoice in [uncertain, *fresh]] == [0, 0, 0]


def test_urssaf_unavailable_at_every_attempt_goes_to_the_unavailable_bucket(
    ai_alice, issue_ai_invoice, sandbox, held
):
    invoice = issue_ai_invoice(ai_alice)
    PaymentRequest.objects.update(attempts=submission.MAX_SEND_ATTEMPTS - 1)
    urssaf_api.get_access_token()
    sandbox.set_faults(error_rate=1, error_statuses=[503])

    with pytest.raises(TransientUrssafError):
        services.payment_requests_submit_ready()

    request = only_request(invoice)
    assert request.state == RequestState.FAILED
    assert request.error_codes[0] == triage_table.URSSAF_UNAVAILABLE
    assert request.triage_bucket == PaymentBucket.UNAVAILABLE


def test_a_batch_refused_as_a_whole_is_sent_again_one_by_one(
    ai_alice, issue_ai_invoice, sandbox, held, monkeypatch
):
    invoices = [issue_ai_invoice(ai_alice) for _ in range(3)]
    real = urssaf_api.submit_payment_requests
    sizes = []

    def picky(demandes):
        sizes.append(len(demandes))
        if len(demandes) > 1:
            raise PermanentUrssafError("HTTP 400: ERREUR_VALIDATION")
        return real(demandes)

    monkeypatch.setattr(urssaf_api, "submit_payment_requests", picky)

    assert services.payment_requests_submit_ready() == 3
    assert sizes == [3, 1, 1, 1]
    assert [submissions(sandbox, invoice) for invoice in invoices] == [1, 1, 1]


def test_the_checks_run_again_when_sending_and_stop_a_request_gone_wrong_since(
    ai_alice, issue_ai_invoice, sandbox, held, carol
):
    invoice = issue_ai_invoice(ai_alice)
    Provider.objects.filter(pk=carol.pk).update(siret="123")

    services.payment_requests_submit_ready()

    request = only_request(invoice)
    assert request.state == RequestState.FAILED
    assert request.error_codes == [triage_table.PORTAL_CHECK]
    assert request.errors[0]["message"].startswith("l'intervenant n'a pas de SIRET valide")
    assert submissions(sandbox, invoice) == 0


def test_an_invoice_whose_payload_cannot_be_built_is_refused_alone(
    ai_alice, issue_ai_invoice, sandbox, held, monkeypatch
):
    broken, fine = issue_ai_invoice(ai_alice), issue_ai_invoice(ai_alice)
    real = submission.build_payment_request

    def build(invoice):
        if invoice.pk == broken.pk:
            raise ValueError("12.345 cannot travel as a JSON number without rounding")
        return real(invoice)

    monkeypatch.setattr(submission, "build_payment_request", build)

    assert services.payment_requests_submit_ready() == 1
    assert only_request(broken).state == RequestState.FAILED
    assert only_request(broken).error_codes == [triage_table.PORTAL_CHECK]
    assert only_request(fine).state == RequestState.SUBMITTED
