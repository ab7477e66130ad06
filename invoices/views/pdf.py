"""The invoice as a document: the PDF every role downloads and the figures the pages show."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from invoices.models import Invoice, InvoiceStatus, Quote, round_cents
from invoices.pdf_cache import render_pdf_cached
from invoices.templatetags.fr_format import euros

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VatSummary:
    rate: Decimal
    base_ht: Decimal
    tva: Decimal


def _unit_price(value: Decimal) -> str:
    # URSSAF allows a third decimal on the unit price; rounding it for display would print a
    # price that does not multiply out to the line total.
    if value == round_cents(value):
        return euros(value)
    return f"{value:.3f}".replace(".", ",") + "\u00a0€"


def _vat_summary(lines) -> list[VatSummary]:
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        base, tva = by_rate.get(line.vat_rate, (Decimal("0.00"), Decimal("0.00")))
        by_rate[line.vat_rate] = (base + line.total_ht, tva + line.total_tva)
    return [VatSummary(rate, base, tva) for rate, (base, tva) in sorted(by_rate.items())]


def invoice_document_context(invoice: Invoice) -> dict:
    """Return what the invoice document shows: lines, payments, VAT by rate, paid and due.

    Shared by the PDF and the client's detail page so both always agree on the figures.
    """
    lines = list(invoice.lines.select_related("nature"))
    for line in lines:
        line.unit_price_display = _unit_price(line.unit_price_ttc)
    every_payment = list(invoice.payments.select_related("reversal"))
    # A payment taken back (PaymentReversal) is listed apart and no longer counts as paid.
    payments = [p for p in every_payment if not p.is_reversed]
    reversed_payments = [p for p in every_payment if p.is_reversed]
    amount_paid = sum((p.amount for p in payments), Decimal("0.00"))
    # A cancelled invoice is owed by nobody, whatever it was worth.
    amount_due = (
        Decimal("0.00")
        if invoice.status == InvoiceStatus.CANCELLED
        else invoice.total_ttc - amount_paid
    )
    return {
        "invoice": invoice,
        "cooperative": invoice.cooperative,
        "provider": invoice.provider,
        "client": invoice.client,
        "lines": lines,
        "payments": payments,
        "reversed_payments": reversed_payments,
        "amount_paid": amount_paid,
        "amount_due": amount_due,
        "vat_summary": _vat_summary(lines),
        "is_draft": invoice.status == InvoiceStatus.DRAFT,
        "is_cancelled": invoice.status == InvoiceStatus.CANCELLED,
    }


def quote_document_context(quote: Quote) -> dict:
    """Return what the quote shows, on its page and in its PDF: lines, VAT by rate, validity."""
    lines = list(quote.lines.select_related("nature"))
    for line in lines:
        line.unit_price_display = _unit_price(line.unit_price_ttc)
    return {
        "quote": quote,
        "cooperative": quote.cooperative,
        "provider": quote.provider,
        "client": quote.client,
        "lines": lines,
        "vat_summary": _vat_summary(lines),
        "is_draft": quote.is_editable,
        "is_expired": quote.is_expired(),
        "credit_share": round_cents(quote.total_ttc / 2),
    }


def pdf_filename(invoice: Invoice) -> str:
    if invoice.number:
        return f"facture-{invoice.number}.pdf"
    return f"facture-brouillon-{str(invoice.code)[:8]}.pdf"


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download the invoice PDF: a provider's own, a client's issued ones, any for staff."""
    invoice = get_object_or_404(
        Invoice.objects.for_user(request.user).select_related("cooperative", "provider", "client"),
        code=code,
    )
    pdf = render_pdf_cached("pdf/invoice.html", invoice_document_context(invoice))
    logger.info("Invoice PDF %s rendered for user %s", invoice.pk, request.user.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return response
