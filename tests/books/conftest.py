"""A year of the demo cooperative's life, built through the services at the dates it happened."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from clients.models import VatReturnFrequency
from invoices import services
from invoices.models import Invoice, PaymentMode, Payout
from invoices.services import payouts
from invoices.services.reversals import payment_reverse

from ..invoices.conftest import PARIS, at_noon, bill, pay, work

COOP_IBAN = "FR1420041010050500013M02606"
COOP_BIC = "PSSTFRPPXXX"


@pytest.fixture
def vat_registered(cooperative):
    cooperative.vat_number = "FR44732829320"
    cooperative.vat_return_frequency = VatReturnFrequency.QUARTERLY
    cooperative.save()
    return cooperative


@pytest.fixture
def year_2025(carol, alice, sam, vat_registered):
    """2025 for Alice: a transfer, a card payment, two avance immédiate transfers of which one
    is recovered by URSSAF (111), a cancelled invoice, and payouts paid alone and in a batch."""
    january = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2025, 1, 6), "20", "30")],
        issued=dt.date(2025, 1, 25),
    )
    pay(january, "600.00", dt.date(2025, 1, 28), PaymentMode.TRANSFER)
    march = bill(
        carol,
        alice,
        [work("petit-bricolage", dt.date(2025, 3, 4), "2", "40")],
        issued=dt.date(2025, 3, 31),
    )
    pay(march, "80.00", dt.date(2025, 4, 2), PaymentMode.CARD)
    july = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2025, 7, 7), "10", "25")],
        issued=dt.date(2025, 7, 25),
    )
    pay(july, "250.00", dt.date(2025, 7, 30), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="125.00")
    august = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2025, 8, 4), "4", "25")],
        issued=dt.date(2025, 8, 25),
    )
    recovered = pay(
        august, "100.00", dt.date(2025, 8, 29), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="50.00"
    )
    with at_noon(dt.date(2025, 9, 5)):
        payment_reverse(payment=recovered, on=dt.date(2025, 9, 5), reason="111 recouvrée", by=None)
    october = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2025, 10, 6), "2", "25")],
        issued=dt.date(2025, 10, 25),
    )
    with at_noon(dt.date(2025, 10, 27)):
        services.invoice_cancel(invoice=october, by=carol.user)
    with time_machine.travel(dt.datetime(2025, 2, 3, 10, tzinfo=PARIS), tick=False):
        payouts.payouts_mark_paid(payouts=Payout.objects.filter(invoice=january), by=sam)
    with time_machine.travel(dt.datetime(2025, 8, 1, 10, tzinfo=PARIS), tick=False):
        batch = payouts.payout_batch_create(
            payouts=Payout.objects.filter(invoice__in=[march, july]),
            by=sam,
            execution_date=dt.date(2025, 8, 4),
            debtor_name="Coopérative Services Solidaires",
            debtor_iban=COOP_IBAN,
            debtor_bic=COOP_BIC,
        )
    with time_machine.travel(dt.datetime(2025, 8, 4, 10, tzinfo=PARIS), tick=False):
        payouts.payouts_mark_paid(payouts=batch.payouts.all(), by=sam)
    return {
        "invoices": [january, march, july, august, october],
        "cancelled": october,
        "batch": batch,
    }


def invoices_of(year_2025) -> list[Invoice]:
    return [Invoice.objects.get(pk=i.pk) for i in year_2025["invoices"]]


ZERO = Decimal("0.00")
