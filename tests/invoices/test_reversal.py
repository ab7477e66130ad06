"""Taking a payment back: the invoice reopens, every sum leaves the payment out, the
attestation does not count it, the provider's payout is cancelled or flagged."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from invoices import services
from invoices.attestations.figures import compute_figures
from invoices.models import Invoice, InvoiceStatus, PaymentMode, Payout, PayoutStatus
from invoices.services import payouts
from invoices.services.reversals import payment_reverse
from urssaf.payments.selectors import invoice_context as invoice_document_context

from .conftest import at_noon, bill, pay, work

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_by_ai(carol, alice):
    """An invoice of 75 € paid in full through the avance immédiate on 20 November 2026."""
    invoice = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 11, 2), "3", "25")],
        issued=dt.date(2026, 11, 3),
    )
    payment = pay(invoice, "75.00", dt.date(2026, 11, 20), PaymentMode.IMMEDIATE_ADVANCE, "37.50")
    return invoice, payment


def reverse_it(payment, on=dt.date(2026, 11, 23)):
    with at_noon(on):
        return payment_reverse(payment=payment, on=on, reason="URSSAF : recouvrée", by=None)


def test_a_reversal_reopens_the_paid_invoice_and_leaves_the_payment_out_of_every_sum(paid_by_ai):
    invoice, payment = paid_by_ai
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID

    reverse_it(payment)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.paid_at is None
    assert services.amount_paid(invoice) == Decimal("0.00")
    assert Invoice.objects.with_amount_paid().get(pk=invoice.pk).amount_paid_total == 0
    document = invoice_document_context(invoice)
    assert (document["amount_paid"], document["amount_due"]) == (Decimal("0"), Decimal("75.00"))
    assert document["payments"] == []
    assert document["reversed_payments"] == [payment]


def test_a_payment_is_reversed_once(paid_by_ai):
    _, payment = paid_by_ai
    reverse_it(payment)
    with pytest.raises(ValidationError, match="déjà été repris"):
        reverse_it(payment)


def test_the_reopened_invoice_takes_the_clients_direct_payment(paid_by_ai):
    invoice, payment = paid_by_ai
    reverse_it(payment)

    pay(invoice, "75.00", dt.date(2026, 11, 24), PaymentMode.TRANSFER)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert services.amount_paid(invoice) == Decimal("75.00")


def test_a_reversed_payment_is_not_paid_in_the_year_for_the_attestation(carol, alice):
    kept = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 10, 5), "2", "25")],
        issued=dt.date(2026, 10, 6),
    )
    pay(kept, "50.00", dt.date(2026, 10, 20), PaymentMode.IMMEDIATE_ADVANCE, "25.00")
    bounced = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 11, 2), "3", "25")],
        issued=dt.date(2026, 11, 3),
    )
    payment = pay(bounced, "75.00", dt.date(2026, 11, 20), PaymentMode.IMMEDIATE_ADVANCE, "37.50")
    before = compute_figures(alice, 2026).total

    reverse_it(payment)

    after = compute_figures(alice, 2026).total
    assert (before.paid, before.ai_credit) == (Decimal("125.00"), Decimal("62.50"))
    assert (after.paid, after.ai_credit) == (Decimal("50.00"), Decimal("25.00"))


def test_a_payout_still_due_is_cancelled_by_the_reversal(paid_by_ai):
    invoice, payment = paid_by_ai
    payout = Payout.objects.get(invoice=invoice)

    reverse_it(payment)

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.CANCELLED
    assert not Payout.objects.due().exists()


def test_a_payout_already_made_is_flagged_to_recover_then_settled_by_a_new_payment(paid_by_ai, sam):
    invoice, payment = paid_by_ai
    payout = Payout.objects.get(invoice=invoice)
    payouts.payouts_mark_paid(payouts=[payout], by=sam)

    reverse_it(payment)
    payout.refresh_from_db()
    assert (payout.status, payout.reversed_at is not None) == (PayoutStatus.PAID, True)

    pay(invoice, "75.00", dt.date(2026, 11, 25), PaymentMode.CHEQUE)
    payout.refresh_from_db()
    # The provider already has the money: the new payment settles it, nothing is owed twice.
    assert payout.reversed_at is None
    assert Payout.objects.filter(invoice=invoice).count() == 1


def test_an_invoice_whose_only_payment_was_taken_back_may_be_cancelled(paid_by_ai, carol):
    invoice, payment = paid_by_ai
    reverse_it(payment)

    with time_machine.travel(dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)):
        services.invoice_cancel(invoice=invoice, by=carol.user)

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED
