"""A payment request's whole life against the sandbox over HTTP, on a clock both share:
validated by silence or by the client, debited, paid and booked; contested; debit refused,
then cancelled or recovered with the payment reversed."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.services import audit_trail
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentMode, Payout, PayoutStatus
from invoices.services import amount_paid, payouts
from urssaf.models import EventKind, PaymentRequest, RequestState
from urssaf.payments import services, triage_table
from urssaf.payments.triage_table import PaymentBucket

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def later(clock, django_capture_on_commit_callbacks):
    """Return `later(delta)`: let `delta` pass on both clocks, poll, return the request."""

    def later(delta: dt.timedelta) -> PaymentRequest:
        clock.shift(delta)
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_requests_poll()
        return PaymentRequest.objects.get()

    return later


def codes_seen(request: PaymentRequest) -> list[str]:
    return list(request.events.filter(kind=EventKind.STATUS).values_list("status_code", flat=True))


def test_silence_validates_then_the_debit_the_transfer_and_the_booking_follow(
    ai_alice, issue_ai_invoice, later, carol
):
    invoice = issue_ai_invoice(ai_alice)
    sent_at = PaymentRequest.objects.get().submitted_at

    assert later(6 * dt.timedelta(minutes=1)).status_code == "20"
    assert later(47 * HOUR).status_code == "20"  # 47 h 06: still the client's to answer
    validated = later(HOUR)
    debited = later(2 * dt.timedelta(days=1))
    paid = later(2 * dt.timedelta(days=1))

    assert validated.status_code == "30"
    assert validated.validated_at - sent_at >= dt.timedelta(hours=48)
    assert debited.status_code == "50"
    assert debited.transfer_date == dt.date(2026, 3, 23)  # announced, amount still unknown
    assert debited.transfer_amount is None
    assert paid.status_code == "70"
    assert codes_seen(paid) == ["20", "30", "50", "70"]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = paid.payment
    assert (payment.mode, payment.amount, payment.paid_on) == (
        PaymentMode.IMMEDIATE_ADVANCE,
        Decimal("75.00"),
        dt.date(2026, 3, 23),
    )
    assert (payment.client_share, payment.ai_credit_share) == (Decimal("37.50"), Decimal("37.50"))
    payout = Payout.objects.get(invoice=invoice)
    assert (payout.provider, payout.amount, payout.status) == (carol, Decimal("75.00"), "due")
    assert payout.due_at == payout.cooperative_paid_at + payouts.PAYOUT_TARGET
    actions = [entry.action for entry in audit_trail(paid)]
    assert actions.count("urssaf.payment_request.status") == 4
    assert "urssaf.payment_request.booked" in actions


def test_a_client_who_validates_at_once_is_seen_within_minutes(
    ai_alice, issue_ai_invoice, later, sandbox
):
    issue_ai_invoice(ai_alice)
    request = PaymentRequest.objects.get()
    sandbox.validate(request.urssaf_id)

    validated = later(dt.timedelta(minutes=6))

    assert validated.status_code == "30"
    assert validated.validated_at < validated.submitted_at + dt.timedelta(hours=1)


def test_a_contest_shows_the_reason_and_reaches_the_provider_and_the_staff(
    ai_alice, issue_ai_invoice, later, sandbox, client, carol
):
    invoice = issue_ai_invoice(ai_alice)
    sandbox.contest(PaymentRequest.objects.get().urssaf_id, "CONTEST_ERR_FACT", "Seulement 2 h")
    mail.outbox.clear()

    contested = later(dt.timedelta(minutes=6))

    assert contested.status_code == "40"
    assert (contested.rejection_code, contested.rejection_comment) == (
        "CONTEST_ERR_FACT",
        "Seulement 2 h",
    )
    assert contested.triage_bucket == PaymentBucket.INVOICE_DATA
    assert contested.error_codes == [triage_table.CONTESTED]
    assert contested.next_poll_at is None  # 40 is final
    [message] = mail.outbox
    assert message.to == [carol.user.email]
    assert "Motif : La facture comporte une erreur" in message.body
    assert "« Seulement 2 h »" in message.body
    client.force_login(carol.user)
    page = client.get(reverse("provider:invoice_detail", args=[invoice.code]))
    assert page.status_code == HTTPStatus.OK
    # The page spaces French punctuation with a narrow no-break space.
    assert "Contestation\u202f: La facture comporte une erreur" in page.content.decode()
    # URSSAF will not pay it: the client may now settle it directly.
    services.payment_record_unless_at_urssaf(
        invoice=invoice,
        amount=Decimal("75.00"),
        paid_on=dt.date(2026, 3, 17),
        mode=PaymentMode.TRANSFER,
        by=carol.user,
    )


def test_a_refused_debit_then_cancelled_leaves_the_invoice_to_settle_directly(
    ai_alice, issue_ai_invoice, later, sandbox, carol
):
    invoice = issue_ai_invoice(ai_alice)
    urssaf_id = PaymentRequest.objects.get().urssaf_id
    sandbox.validate(urssaf_id)
    later(dt.timedelta(minutes=6))
    assert later(2 * dt.timedelta(days=1)).status_code == "50"
    sandbox.refuse_debit(urssaf_id)
    mail.outbox.clear()

    unpaid = later(3 * HOUR + dt.timedelta(minutes=1))
    sandbox.cancel_unpaid(urssaf_id)
    cancelled = later(6 * HOUR + dt.timedelta(minutes=1))

    assert unpaid.status_code == "60"
    assert unpaid.triage_bucket == PaymentBucket.CLIENT_ACCOUNT
    to_carol, to_alice = sorted(mail.outbox, key=lambda m: m.to != [carol.user.email])
    assert to_carol.to == [carol.user.email]
    assert "rejeté le prélèvement" in to_carol.body
    # Alice is told too, in her words, with what to do.
    assert to_alice.to == [ai_alice.email]
    assert "le prélèvement de votre part a été refusé par votre banque" in to_alice.subject
    assert "L'URSSAF bloque l'avance immédiate tant que ce n'est pas régularisé" in to_alice.body
    assert "réglez la facture par virement" in to_alice.body
    assert len(mail.outbox) == 2
    assert cancelled.status_code == "111"
    assert cancelled.payment is None
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert services.ordinary_payment_refusal(invoice) == ""


@pytest.mark.parametrize("paid_out_first", [False, True])
def test_a_paid_request_whose_debit_bounces_then_is_recovered_is_reversed(
    ai_alice, issue_ai_invoice, later, sandbox, sam, paid_out_first
):
    invoice = issue_ai_invoice(ai_alice)
    urssaf_id = PaymentRequest.objects.get().urssaf_id
    sandbox.validate(urssaf_id)
    later(dt.timedelta(minutes=6))
    later(2 * dt.timedelta(days=1))
    assert later(2 * dt.timedelta(days=1)).status_code == "70"
    payout = Payout.objects.get(invoice=invoice)
    if paid_out_first:
        payouts.payouts_mark_paid(payouts=[payout], by=sam)
    sandbox.refuse_debit(urssaf_id)

    bounced = later(12 * HOUR + dt.timedelta(minutes=1))
    sandbox.recover(urssaf_id)
    recovered = later(6 * HOUR + dt.timedelta(minutes=1))

    assert bounced.status_code == "60"
    assert recovered.status_code == "120"
    assert recovered.payment.reversal.reason.startswith("URSSAF : demande recouvrée")
    assert recovered.events.filter(kind=EventKind.REVERSAL).count() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert amount_paid(invoice) == Decimal("0.00")
    payout.refresh_from_db()
    if paid_out_first:
        assert payout.status == PayoutStatus.PAID
        assert payout.reversed_at is not None
    else:
        assert payout.status == PayoutStatus.CANCELLED
    # A second look at the same status books nothing more.
    later(25 * HOUR)
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_request_still_at_urssaf_refuses_payments_and_cancellation_outside_it(
    ai_alice, issue_ai_invoice, carol
):
    invoice = issue_ai_invoice(ai_alice)

    with pytest.raises(ValidationError, match="réglée par l'avance immédiate"):
        services.payment_record_unless_at_urssaf(
            invoice=invoice,
            amount=Decimal("10.00"),
            paid_on=dt.date(2026, 3, 17),
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )
    with pytest.raises(ValidationError, match="ne peut pas être annulée"):
        services.invoice_cancel_unless_at_urssaf(invoice=invoice, by=carol.user)
    assert PaymentRequest.objects.get().state == RequestState.SUBMITTED


def test_an_invoice_no_longer_issued_gets_the_invoices_own_refusal_first(
    ai_alice, issue_ai_invoice, carol
):
    invoice = issue_ai_invoice(ai_alice)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CANCELLED)

    with pytest.raises(ValidationError, match="que sur une facture émise"):
        services.payment_record_unless_at_urssaf(
            invoice=invoice,
            amount=Decimal("10.00"),
            paid_on=dt.date(2026, 3, 17),
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )
    with pytest.raises(ValidationError, match="Seule une facture émise"):
        services.invoice_cancel_unless_at_urssaf(invoice=invoice, by=carol.user)
