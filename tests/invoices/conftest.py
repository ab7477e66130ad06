"""Data for the attestation and simulator tests: RULES.md §5's worked examples, built through
the services at the dates they happened (time-machine), as the product would have recorded them.
"""

import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from invoices import services
from invoices.models import Invoice, Payment, PaymentMode, TaxRuleSet, TaxSubCeiling, Unit
from invoices.services import LineData

from ..factories import nature

PARIS = ZoneInfo("Europe/Paris")


def at_noon(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=PARIS), tick=False)


def work(slug: str, day: dt.date, hours: str, price: str, unit: str = Unit.HOUR) -> LineData:
    return LineData(
        nature=nature(slug),
        service_date=day,
        quantity=Decimal(hours),
        unit_price_ttc=Decimal(price),
        vat_rate=Decimal("10"),
        unit=unit,
    )


def bill(provider, client, lines: list[LineData], *, issued: dt.date) -> Invoice:
    """Draft and issue an invoice on `issued`, for the period its lines span."""
    days = [line.service_date for line in lines]
    with at_noon(issued):
        draft = services.invoice_create_draft(
            provider=provider,
            client=client,
            period_start=min(days),
            period_end=max(days),
            lines=lines,
        )
        return services.invoice_issue(invoice=draft, by=provider.user)


def pay(invoice: Invoice, amount: str, paid_on: dt.date, mode: str, ai_credit: str = "") -> Payment:
    """Record a payment on `paid_on`; for avance immédiate, `ai_credit` is URSSAF's half."""
    shares = {}
    if mode == PaymentMode.IMMEDIATE_ADVANCE:
        credit = Decimal(ai_credit)
        shares = {"ai_credit_share": credit, "client_share": Decimal(amount) - credit}
    with at_noon(paid_on):
        return services.payment_record(
            invoice=invoice, amount=Decimal(amount), paid_on=paid_on, mode=mode, by=None, **shares
        )


def housework_month(provider, client, year: int, month: int, hours: int, price: str) -> Invoice:
    """A month of weekly housework (four interventions), invoiced on the 25th."""
    per_visit = str(Decimal(hours) / 4)
    days = (3, 10, 17, 24)
    lines = [work("entretien-maison", dt.date(year, month, day), per_visit, price) for day in days]
    return bill(provider, client, lines, issued=dt.date(year, month, 25))


def bricolage_march(provider, client, year: int) -> Invoice:
    """Ten interventions of two hours of petit bricolage at 40 € in March: 800 €."""
    lines = [work("petit-bricolage", dt.date(year, 3, day), "2", "40") for day in range(2, 22, 2)]
    return bill(provider, client, lines, issued=dt.date(year, 3, 31))


@pytest.fixture
def example_one(carol, alice):
    """RULES.md §5 example 1 for Alice in 2025: 200 h of housework at 30 € and 800 € of
    petit bricolage, all paid by transfer."""
    for month in range(1, 11):
        invoice = housework_month(carol, alice, 2025, month, 20, "30")
        pay(invoice, "600.00", dt.date(2025, month, 28), PaymentMode.TRANSFER)
        if month == 3:
            pay(
                bricolage_march(carol, alice, 2025),
                "800.00",
                dt.date(2025, 4, 4),
                PaymentMode.TRANSFER,
            )
    return alice


@pytest.fixture
def example_two(carol, alice):
    """RULES.md §5 example 2 for Alice in 2025: housework by transfer and CESU préfinancé from
    January to June, through avance immédiate from July, bricolage by card in March."""
    for month in range(1, 13):
        invoice = housework_month(carol, alice, 2025, month, 20, "25")
        paid_on = dt.date(2025, month, 28)
        if month == 3:
            pay(
                bricolage_march(carol, alice, 2025), "800.00", dt.date(2025, 4, 2), PaymentMode.CARD
            )
        if month == 6:
            pay(invoice, "300.00", paid_on, PaymentMode.TRANSFER)
            pay(invoice, "200.00", paid_on, PaymentMode.CESU_PREFINANCED)
        elif month <= 6:
            pay(invoice, "500.00", paid_on, PaymentMode.TRANSFER)
        else:
            # URSSAF pays the whole invoice, half of it being the client's tax credit.
            pay(invoice, "500.00", paid_on, PaymentMode.IMMEDIATE_ADVANCE, ai_credit="250.00")
    return alice


@pytest.fixture
def tax_rules(db):
    """The rules seeded by the data migration (re-created if a transactional test flushed them)."""
    rules = TaxRuleSet.objects.in_force_on(dt.date(2025, 12, 31)).first()
    if rules is not None:
        return rules
    rules = TaxRuleSet.objects.create(
        label="Barème de test",
        valid_from=dt.date(2017, 1, 1),
        credit_rate=Decimal("0.500"),
        base_ceiling=Decimal("12000"),
        majoration_per_person=Decimal("1500"),
        majoration_shared_custody=Decimal("750"),
        majorated_ceiling_cap=Decimal("15000"),
        invalidity_ceiling=Decimal("20000"),
        january_advance_rate=Decimal("0.600"),
    )
    for slug, cap in (
        ("petit-bricolage", 500),
        ("assistance-informatique", 3000),
        ("jardinage", 5000),
    ):
        TaxSubCeiling.objects.create(rule_set=rules, nature=nature(slug), annual_cap=Decimal(cap))
    return rules


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of spaces (no-break ones and line ends included) folded to
    one plain space, so that searches do not depend on where lines wrap."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)
