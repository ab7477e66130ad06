"""What a billing document shows, on its page and on paper: the one context its screen and its
PDF are rendered from, so they never disagree (views, the evidence pack)."""

from dataclasses import dataclass
from decimal import Decimal

from .models import BillingDocument, CreditNote, Invoice, Quote, round_cents
from .templatetags.fr_format import euros


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
        line.unit_price_display = _unit_price(line.unit_price_ttc)
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
    credit_note = CreditNote.objects.filter(invoice=invoice).select_related("refund").first()
    return {
        **document_context(invoice),
        "invoice": invoice,
        # The corrections: the credit note that cancelled it, the invoice that replaces it.
        "credit_note": credit_note,
        "refund": getattr(credit_note, "refund", None) if credit_note else None,
        "replacement": Invoice.objects.filter(replaces=invoice).first(),
        "payments": payments,
        "reversed_payments": [p for p in every_payment if p.is_reversed],
        "amount_paid": amount_paid,
        # A cancelled invoice is owed by nobody, whatever it was worth.
        "amount_due": Decimal("0.00") if invoice.is_cancelled else invoice.total_ttc - amount_paid,
    }


def credit_note_document_context(credit_note: CreditNote) -> dict:
    """Return what the credit note shows: the invoice it cancels, its replacement, the refund."""
    replacement = Invoice.objects.filter(replaces_id=credit_note.invoice_id).first()
    return {
        **document_context(credit_note),
        "credit_note": credit_note,
        "invoice": credit_note.invoice,
        "replacement": replacement if replacement and replacement.number else None,
        "refund": getattr(credit_note, "refund", None),
    }


def quote_document_context(quote: Quote) -> dict:
    """Return what the quote shows, on its page and in its PDF."""
    return {**document_context(quote), "quote": quote, "is_expired": quote.is_expired()}
