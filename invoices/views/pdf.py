"""Billing documents as documents: the PDF every role downloads and the figures the pages show.

The page and the PDF of a document take their figures from the same context, so they never
disagree.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoices.models import BillingDocument, Invoice, Quote, round_cents
from invoices.pdf_cache import render_pdf_cached
from invoices.templatetags.fr_format import euros

from .documents import get_document

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


def document_context(document: BillingDocument) -> dict:
    """Return what every kind of document shows: parties, lines, VAT by rate."""
    lines = list(document.lines.select_related("nature"))
    for line in lines:
        # A display value for the template, set on the line it belongs to.
        line.unit_price_display = _unit_price(line.unit_price_ttc)  # type: ignore[attr-defined]
    return {
        "document": document,
        "cooperative": document.cooperative,
        "provider": document.provider,
        "client": document.client,
        "lines": lines,
        "vat_summary": _vat_summary(lines),
    }


def invoice_document_context(invoice: Invoice) -> dict:
    """Return what the invoice shows, on its pages and in its PDF: the document, the payments
    received and those taken back, what was paid and what is due."""
    every_payment = list(invoice.payments.select_related("reversal"))
    # A payment taken back (PaymentReversal) is listed apart and no longer counts as paid.
    payments = [p for p in every_payment if not p.is_reversed]
    amount_paid = sum((p.amount for p in payments), Decimal("0.00"))
    return {
        **document_context(invoice),
        "invoice": invoice,
        "payments": payments,
        "reversed_payments": [p for p in every_payment if p.is_reversed],
        "amount_paid": amount_paid,
        # A cancelled invoice is owed by nobody, whatever it was worth.
        "amount_due": Decimal("0.00") if invoice.is_cancelled else invoice.total_ttc - amount_paid,
    }


def quote_document_context(quote: Quote) -> dict:
    """Return what the quote shows, on its page and in its PDF."""
    return {**document_context(quote), "quote": quote, "is_expired": quote.is_expired()}


def _pdf_response(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    document = context["document"]
    pdf = render_pdf_cached(template, context)
    logger.info(
        "%s PDF %s rendered for user %s", type(document).__name__, document.pk, request.user.pk
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.pdf_filename}"'
    return response


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download the invoice PDF: a provider's own, a client's issued ones, any for staff."""
    invoice = get_document(request, Invoice, code)
    return _pdf_response(request, "pdf/invoice.html", invoice_document_context(invoice))


@require_GET
@login_required
def quote_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download the quote PDF: a provider's own, a client's sent ones, any for staff."""
    quote = get_document(request, Quote, code)
    return _pdf_response(request, "pdf/quote.html", quote_document_context(quote))
