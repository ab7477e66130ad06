import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from invoices import services
from invoices.models import Invoice, InvoiceLine, InvoiceStatus, PaymentMode
from invoices.services import LineData

from ..factories import nature

pytestmark = pytest.mark.django_db


def line(quantity="1", price="10", vat="10", slug="entretien-maison", day=dt.date(2026, 11, 2)):
    return LineData(
        nature=nature(slug),
        service_date=day,
        quantity=Decimal(quantity),
        unit_price_ttc=Decimal(price),
        vat_rate=Decimal(vat),
    )


def test_line_totals_are_rounded_to_the_cent_with_ttc_equal_ht_plus_tva(carol, alice, make_draft):
    invoice = make_draft(carol, alice, lines=[line("1.75", "19.99", "10")])
    only = invoice.lines.get()
    assert only.total_ttc == Decimal("34.98")  # 34.9825
    assert only.total_ht == Decimal("31.80")  # 34.98 / 1.10 = 31.8000
    assert only.total_tva == Decimal("3.18")
    assert only.total_ht + only.total_tva == only.total_ttc


def test_invoice_totals_are_the_sum_of_its_lines(carol, alice, make_draft):
    invoice = make_draft(
        carol, alice, lines=[line("2", "30"), line("1.5", "42.50", "20", "jardinage")]
    )
    assert invoice.total_ttc == Decimal("123.75")  # 60 + 63.75
    assert invoice.total_ht == Decimal("54.55") + Decimal("53.13")
    assert invoice.total_tva == invoice.total_ttc - invoice.total_ht


def test_draft_refuses_a_client_the_provider_does_not_serve(carol, bob, make_draft):
    with pytest.raises(ValidationError, match="pas rattaché"):
        make_draft(carol, bob)
    assert not Invoice.objects.exists()


def test_draft_refuses_a_line_outside_the_period_and_saves_nothing(carol, alice, make_draft):
    with pytest.raises(ValidationError, match="hors de la période"):
        make_draft(carol, alice, lines=[line(day=dt.date(2026, 10, 30))])
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_draft_refuses_a_nature_the_provider_may_not_invoice(carol, alice, make_draft):
    carol.natures.set([nature("entretien-maison")])
    with pytest.raises(ValidationError, match="habilité"):
        make_draft(carol, alice, lines=[line(slug="jardinage")])


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_issue_gives_consecutive_numbers_per_year(carol, alice, make_draft):
    first = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    second = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    assert (first.number, second.number) == ("2026-00001", "2026-00002")
    assert first.issue_date == dt.date(2026, 11, 23)
    assert first.status == InvoiceStatus.ISSUED


def test_numbering_restarts_each_year(carol, alice, make_draft):
    with time_machine.travel(dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC), tick=False):
        # 23:30 in Paris: still 2026.
        december = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        # 00:30 on 1 January in Paris.
        january = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    assert december.number == "2026-00001"
    assert january.number == "2027-00001"


def test_a_rolled_back_issue_gives_its_number_back(carol, alice, make_draft):
    draft = make_draft(carol, alice)

    def issue_then_crash():
        with transaction.atomic():
            services.invoice_issue(invoice=draft, by=carol.user)
            raise RuntimeError("crash after numbering")

    with pytest.raises(RuntimeError):
        issue_then_crash()
    issued = services.invoice_issue(invoice=draft, by=carol.user)
    assert issued.sequence == 1


def test_issue_is_refused_twice(carol, alice, make_draft):
    invoice = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    with pytest.raises(ValidationError, match="déjà été émise"):
        services.invoice_issue(invoice=invoice, by=carol.user)


def test_an_issued_invoice_cannot_be_edited(alice_invoice):
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        services.invoice_update_draft(
            invoice=alice_invoice,
            period_start=alice_invoice.period_start,
            period_end=alice_invoice.period_end,
            lines=[line("10", "99")],
        )
    alice_invoice.refresh_from_db()
    assert alice_invoice.total_ttc == Decimal("75.00")


def test_an_issued_invoice_cannot_be_deleted(alice_invoice):
    with pytest.raises(ValidationError):
        services.invoice_delete_draft(invoice=alice_invoice)
    assert Invoice.objects.filter(pk=alice_invoice.pk).exists()


def test_partial_then_full_payment_marks_the_invoice_paid(alice_invoice, carol):
    services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("25.00"),
        paid_on=alice_invoice.issue_date,
        mode=PaymentMode.CHEQUE,
        by=carol.user,
    )
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.ISSUED
    services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("50.00"),
        paid_on=alice_invoice.issue_date,
        mode=PaymentMode.TRANSFER,
        by=carol.user,
    )
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.PAID
    assert alice_invoice.paid_at is not None


def test_payment_above_what_is_due_is_refused(alice_invoice, carol):
    with pytest.raises(ValidationError, match="reste à payer"):
        services.payment_record(
            invoice=alice_invoice,
            amount=Decimal("75.01"),
            paid_on=alice_invoice.issue_date,
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )
    assert not alice_invoice.payments.exists()


@pytest.mark.parametrize(
    ("amount", "message"), [("0", "positif"), ("-5", "positif"), ("1.234", "deux décimales")]
)
def test_payment_amount_must_be_positive_with_cents(alice_invoice, carol, amount, message):
    with pytest.raises(ValidationError, match=message):
        services.payment_record(
            invoice=alice_invoice,
            amount=Decimal(amount),
            paid_on=alice_invoice.issue_date,
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )


def test_payment_in_the_future_is_refused(alice_invoice, carol):
    with pytest.raises(ValidationError, match="futur"):
        services.payment_record(
            invoice=alice_invoice,
            amount=Decimal("10"),
            paid_on=alice_invoice.issue_date + dt.timedelta(days=2),
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )


def test_payment_on_a_draft_is_refused(carol, alice, make_draft):
    with pytest.raises(ValidationError, match="facture émise"):
        services.payment_record(
            invoice=make_draft(carol, alice),
            amount=Decimal("10"),
            paid_on=dt.date(2026, 11, 20),
            mode=PaymentMode.CHEQUE,
            by=carol.user,
        )


def test_cash_is_recorded_but_not_a_tax_justificatif(alice_invoice, carol):
    payment = services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("75.00"),
        paid_on=alice_invoice.issue_date,
        mode=PaymentMode.CASH,
        by=carol.user,
    )
    assert payment.is_tax_justified is False
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.PAID


def test_cancel_keeps_the_number_used(alice_invoice, carol, alice, make_draft):
    services.invoice_cancel(invoice=alice_invoice, by=carol.user)
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.CANCELLED
    following = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    assert following.sequence == alice_invoice.sequence + 1


@time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
def test_back_dated_issue_keeps_numbers_in_date_order(carol, alice, make_draft):
    first = services.invoice_issue(
        invoice=make_draft(carol, alice), by=carol.user, on=dt.date(2026, 11, 10)
    )
    assert first.issue_date == dt.date(2026, 11, 10)
    with pytest.raises(ValidationError, match="ordre des dates"):
        services.invoice_issue(
            invoice=make_draft(carol, alice), by=carol.user, on=dt.date(2026, 11, 9)
        )
    with pytest.raises(ValidationError, match="date future"):
        services.invoice_issue(
            invoice=make_draft(carol, alice), by=carol.user, on=dt.date(2026, 11, 24)
        )
    assert Invoice.objects.filter(status=InvoiceStatus.ISSUED).count() == 1


def test_a_draft_whose_total_overflows_is_refused_cleanly(carol, alice, make_draft):
    lines = [line("99999", "999.99") for _ in range(2)]  # 2 x 99 998 000,01 €
    with pytest.raises(ValidationError):
        make_draft(carol, alice, lines=lines)
    assert not Invoice.objects.exists()
