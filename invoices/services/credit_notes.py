"""Cancelling an issued invoice with a credit note (avoir), and refunding what the client paid.

The credit note copies the invoice's lines and amounts, takes the next number of its own
gap-free series, names the invoice it cancels, and the invoice becomes cancelled; both stay.
When the client had paid, the refund outside the avance immédiate is recorded with it: the
attestation of the refund's year counts it against the sums paid, and the provider's payout for
the invoice is cancelled (still due) or flagged to recover (already paid).

What URSSAF has to say (a payment request still in progress forbids it) is checked above, in
urssaf.payments.services.corrections, which also prepares the corrected invoice.
"""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit
from clients.models import User

from ..models import (
    REFUND_MODES,
    CreditNote,
    CreditNoteReason,
    Invoice,
    InvoiceStatus,
    Refund,
)
from ..templatetags.fr_format import euros
from .billing import amount_paid
from .documents import copy_save, draft_number
from .payouts import payout_on_reversal

logger = logging.getLogger(__name__)

NOT_CREDITABLE = "Seule une facture émise, payée ou non, peut être annulée par un avoir."


@dataclass(frozen=True)
class RefundData:
    """How the client is paid back what they paid on the cancelled invoice."""

    refunded_on: date
    mode: str
    reference: str = ""


def refund_errors(refund: RefundData, invoice: Invoice) -> list[str]:
    """Return the French reasons a refund cannot be recorded for the invoice ([] when it can)."""
    errors = []
    if refund.mode not in REFUND_MODES:
        errors.append("Choisissez comment le client est remboursé (virement, chèque, carte…).")
    if refund.refunded_on > timezone.localdate():
        errors.append("La date du remboursement ne peut pas être dans le futur.")
    if invoice.issue_date and refund.refunded_on < invoice.issue_date:
        errors.append("La date du remboursement précède la date de la facture.")
    return errors


@transaction.atomic
def invoice_credit(
    *,
    invoice: Invoice,
    by: User | None,
    reason: str,
    detail: str = "",
    refund: RefundData | None = None,
) -> CreditNote:
    """Cancel an issued (or paid) invoice with a credit note of its whole amount; return it.

    The standing payments of the invoice go back to the client as one refund, described by
    `refund`; the invoice's payout is cancelled or flagged to recover. Calling it again for
    the same invoice returns the credit note already issued (a double click issues one).
    Raises ValidationError (French) for a draft or cancelled invoice, a refund missing when
    the client paid or given when they did not, or a refund date refused; nothing is saved.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    existing = CreditNote.objects.filter(invoice=invoice).first()
    if existing is not None:
        return existing
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        raise ValidationError(NOT_CREDITABLE)
    if reason not in CreditNoteReason.values:
        raise ValidationError("Choisissez le motif de l'avoir.")
    paid = amount_paid(invoice)
    _check_refund(invoice, paid, refund)
    credit_note = _issue(invoice, by, reason, detail)
    old_status = invoice.status
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.save(update_fields=["status", "cancelled_at"])
    audit(
        actor=by,
        action="invoice.cancelled",
        obj=invoice,
        changes={"status": [old_status, InvoiceStatus.CANCELLED]},
        note=f"Avoir {credit_note.number}",
    )
    if refund is not None:  # given exactly when the client paid (_check_refund)
        _refund(credit_note, paid, refund, by)
    logger.info("Invoice %s cancelled by credit note %s", invoice.number, credit_note.number)
    return credit_note


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, by: User) -> Invoice:
    """Cancel an issued invoice that has received no payment, with a credit note; its number
    stays used. Return the cancelled invoice.

    Raises ValidationError once paid or cancelled. The screens cancel through
    urssaf.payments.services.invoice_cancel_unless_at_urssaf, which refuses while URSSAF pays
    the invoice.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.can_be_cancelled:
        raise ValidationError("Seule une facture émise et non payée peut être annulée.")
    if invoice.payments.effective().exists():
        raise ValidationError("Cette facture a déjà reçu un paiement : elle ne peut être annulée.")
    invoice_credit(invoice=invoice, by=by, reason=CreditNoteReason.CANCELLED)
    invoice.refresh_from_db()
    return invoice


def _check_refund(invoice: Invoice, paid: Decimal, refund: RefundData | None) -> None:
    if paid and refund is None:
        raise ValidationError(
            f"Le client a déjà réglé {euros(paid)} sur cette facture : indiquez comment "
            "cette somme lui est remboursée."
        )
    if not paid and refund is not None:
        raise ValidationError("Le client n'a rien réglé sur cette facture : rien à rembourser.")
    if refund is not None and (errors := refund_errors(refund, invoice)):
        raise ValidationError(errors)


def _issue(invoice: Invoice, by: User | None, reason: str, detail: str) -> CreditNote:
    credit_note = CreditNote(
        cooperative_id=invoice.cooperative_id,
        provider_id=invoice.provider_id,
        client_id=invoice.client_id,
        invoice=invoice,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        reason=reason,
        reason_detail=detail.strip()[:200],
        issued_by=by,
    )
    copy_save(credit_note, invoice)
    credit_note = draft_number(credit_note)
    credit_note.save()
    audit(
        actor=by,
        action="credit_note.issued",
        obj=credit_note,
        note=f"Annule la facture {invoice.number} ({euros(credit_note.total_ttc)})",
    )
    return credit_note


def _refund(credit_note: CreditNote, paid: Decimal, data: RefundData, by: User | None) -> Refund:
    refund = Refund(
        credit_note=credit_note,
        amount=paid,
        refunded_on=data.refunded_on,
        mode=data.mode,
        reference=data.reference.strip()[:100],
        recorded_by=by,
    )
    refund.full_clean()
    refund.save()
    payout_on_reversal(invoice=credit_note.invoice, by=by)
    audit(
        actor=by,
        action="credit_note.refunded",
        obj=credit_note,
        note=f"{euros(paid)} remboursés ({refund.get_mode_display()})",
    )
    return refund
