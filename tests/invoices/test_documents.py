"""The billing-document base (invoices/models/documents.py): what quotes and invoices share,
and the predicates the pages and services read instead of status strings."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from invoices.models import Invoice, InvoiceStatus, Quote, QuoteStatus, Unit
from invoices.services import LineData

from ..factories import nature


@pytest.mark.parametrize(
    ("status", "draft", "payable", "cancellable", "paid", "cancelled"),
    [
        (InvoiceStatus.DRAFT, True, False, False, False, False),
        (InvoiceStatus.ISSUED, False, True, True, False, False),
        (InvoiceStatus.PAID, False, False, False, True, False),
        (InvoiceStatus.CANCELLED, False, False, False, False, True),
    ],
)
def test_an_invoice_says_what_its_status_allows(
    status, draft, payable, cancellable, paid, cancelled
):
    invoice = Invoice(status=status)
    assert (invoice.is_draft, invoice.is_editable) == (draft, draft)
    assert (invoice.is_payable, invoice.can_be_cancelled) == (payable, cancellable)
    assert (invoice.is_paid, invoice.is_cancelled) == (paid, cancelled)


@pytest.mark.parametrize(
    ("status", "draft", "awaits_answer", "accepted", "declined"),
    [
        (QuoteStatus.DRAFT, True, False, False, False),
        (QuoteStatus.SENT, False, True, False, False),
        (QuoteStatus.ACCEPTED, False, False, True, False),
        (QuoteStatus.DECLINED, False, False, False, True),
    ],
)
def test_a_quote_says_what_its_status_allows(status, draft, awaits_answer, accepted, declined):
    quote = Quote(status=status)
    assert (quote.is_draft, quote.is_editable, quote.awaits_answer) == (draft, draft, awaits_answer)
    assert (quote.is_accepted, quote.is_declined) == (accepted, declined)
    assert quote.can_be_invoiced == accepted


def test_an_accepted_quote_with_its_invoice_cannot_be_invoiced_again():
    assert not Quote(status=QuoteStatus.ACCEPTED, invoice_id=1).can_be_invoiced


def test_each_kind_numbers_and_names_its_documents_in_its_own_format():
    code = uuid.UUID("12345678-0000-4000-8000-000000000000")

    assert Invoice.kind.number(2026, 7) == "2026-00007"
    assert Quote.kind.number(2026, 7) == "D2026-00007"
    assert Invoice(number="2026-00007").pdf_filename == "facture-2026-00007.pdf"
    assert Quote(number="D2026-00007").pdf_filename == "devis-D2026-00007.pdf"
    assert Invoice(code=code).pdf_filename == "facture-brouillon-12345678.pdf"
    assert Quote(code=code).pdf_filename == "devis-brouillon-12345678.pdf"


def test_the_credit_share_is_half_the_total_to_the_cent():
    assert Quote(total_ttc=Decimal("75.01")).credit_share == Decimal("37.51")
    assert Invoice(total_ttc=Decimal("75.00")).credit_share == Decimal("37.50")


@pytest.mark.django_db
def test_a_quote_refuses_negative_amounts_like_an_invoice(carol, alice, make_quote):
    quote = make_quote(carol, alice)
    quote.total_ht, quote.total_tva, quote.total_ttc = Decimal("-10"), Decimal("0"), Decimal("-10")

    with pytest.raises(ValidationError, match="quote_amounts_not_negative"):
        quote.full_clean()
    with pytest.raises(IntegrityError, match="quote_amounts_not_negative"), transaction.atomic():
        quote.save()


@pytest.mark.django_db
def test_line_data_from_a_saved_line_gives_back_what_was_saved(carol, alice, make_quote):
    typed = LineData(
        nature=nature("jardinage"),
        service_date=dt.date(2026, 12, 3),
        quantity=Decimal("1.50"),
        unit_price_ttc=Decimal("45.125"),
        vat_rate=Decimal("5.50"),
        unit=Unit.FLAT,
        description="Tonte et ramassage",
    )
    line = make_quote(carol, alice, lines=[typed]).lines.get()

    assert LineData.from_line(line) == typed
