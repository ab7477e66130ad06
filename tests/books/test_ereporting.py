"""E-reporting files: daily B2C totals per VAT rate and category, each payment received with
its rate (URSSAF's transfers included), rectifying reports, nothing for a non-registered
cooperative."""

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from books import ereporting, services
from books.models import EReport
from clients.models import VatReturnFrequency
from invoices.models import PaymentMode

from ..invoices.conftest import PARIS, bill, pay, work

Q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))


@pytest.fixture(autouse=True)
def in_2026():
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=PARIS), tick=False):
        yield


def read(field) -> list[dict[str, str]]:
    with field.open("rb") as stored:
        return list(csv.DictReader(io.StringIO(stored.read().decode("utf-8")), delimiter=";"))


def test_periods_follow_the_vat_return_frequency():
    today = dt.date(2026, 1, 15)
    assert ereporting.periods(VatReturnFrequency.QUARTERLY, today, 2) == [
        (dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        (dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    ]
    assert ereporting.periods(VatReturnFrequency.MONTHLY, today, 1) == [
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    ]
    assert ereporting.periods(VatReturnFrequency.ANNUAL, today, 1) == [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    ]
    assert ereporting.periods(VatReturnFrequency.NOT_REGISTERED, today) == []


def test_a_cooperative_without_vat_produces_nothing(cooperative, sam):
    with pytest.raises(ValidationError, match="pas assujettie"):
        services.ereport_make(start=Q3[0], end=Q3[1], by=sam)
    assert not EReport.objects.exists()


def test_sales_are_daily_totals_per_rate_and_payments_each_with_their_rate(year_2025, sam):
    report = services.ereport_make(start=Q3[0], end=Q3[1], by=sam)
    sales = read(report.transactions)

    assert [
        (
            r["date"],
            r["categorie"],
            r["taux_tva"],
            r["montant_ht"],
            r["montant_tva"],
            r["nombre_operations"],
        )
        for r in sales
    ] == [
        ("20250725", "TPS1", "10.00", "227.27", "22.73", "1"),
        ("20250825", "TPS1", "10.00", "90.91", "9.09", "1"),
    ]
    assert {r["type_rapport"] for r in sales} == {"IN"}
    paid = read(report.payments)
    # URSSAF's transfers are payments received; the recovery (111) comes back negative.
    assert [
        (r["date_encaissement"], r["mode"], r["montant_encaisse_ttc"], r["montant_tva"])
        for r in paid
    ] == [
        ("20250730", PaymentMode.IMMEDIATE_ADVANCE, "250.00", "22.73"),
        ("20250829", PaymentMode.IMMEDIATE_ADVANCE, "100.00", "9.09"),
        ("20250905", PaymentMode.IMMEDIATE_ADVANCE, "-100.00", "-9.09"),
    ]


def test_a_payment_is_shared_between_the_rates_of_its_invoice(carol, alice, sam, vat_registered):
    lines = [
        work("entretien-maison", dt.date(2025, 8, 4), "2", "30"),
        work("jardinage", dt.date(2025, 8, 5), "2", "20"),
    ]
    lines[1] = dataclasses.replace(lines[1], vat_rate=Decimal("20"))
    invoice = bill(carol, alice, lines, issued=dt.date(2025, 8, 25))
    pay(invoice, "50.00", dt.date(2025, 8, 28), PaymentMode.CHEQUE)

    paid = read(services.ereport_make(start=Q3[0], end=Q3[1], by=sam).payments)
    assert [(r["taux_tva"], r["montant_encaisse_ttc"]) for r in paid] == [
        ("10.00", "30.00"),
        ("20.00", "20.00"),
    ]


def test_a_change_gives_a_rectifying_report_of_the_whole_period(year_2025, sam, carol, alice):
    first = services.ereport_make(start=Q3[0], end=Q3[1], by=sam)
    with pytest.raises(ValidationError, match="Rien n'a changé"):
        services.ereport_make(start=Q3[0], end=Q3[1], by=sam)

    # The client pays the recovered invoice herself, and the cooperative records it late.
    reopened = year_2025["invoices"][3]
    pay(reopened, "100.00", dt.date(2025, 9, 20), PaymentMode.CHEQUE)
    second = services.ereport_make(start=Q3[0], end=Q3[1], by=sam)

    assert (second.version, second.rectifies) == (2, first)
    paid = read(second.payments)
    assert {(r["type_rapport"], r["rapport_remplace"]) for r in paid} == {("RE", first.reference)}
    assert [r["montant_encaisse_ttc"] for r in paid] == ["250.00", "100.00", "100.00", "-100.00"]
    assert len(read(second.transactions)) == 2


def test_only_an_ended_period_of_the_cooperatives_frequency_is_reported(year_2025, sam):
    with pytest.raises(ValidationError, match="période de déclaration"):
        services.ereport_make(start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31), by=sam)
    with pytest.raises(ValidationError, match="période de déclaration"):
        services.ereport_make(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), by=sam)
