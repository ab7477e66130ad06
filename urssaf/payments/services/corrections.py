"""Correcting an invoice after its payment request was sent: the guided path.

A request contested by the client (40), cancelled at URSSAF (110, 111, 112…), refused at
sending, or an invoice found wrong after URSSAF paid it: the invoice is cancelled by a credit
note (invoices.services.invoice_credit), what the client paid goes back to them outside the
avance immédiate, and a new draft copies the invoice for the provider to fix and issue under a
new number, which sends a new request. The invoices app knows nothing of URSSAF: whether the
request allows it is decided here.
"""

import logging
from datetime import date
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit
from clients.models import User
from invoices import services as invoice_services
from invoices.models import CreditNote, CreditNoteReason, Invoice, InvoiceStatus
from invoices.services import DEPOSIT_REFERENCE, DepositData, LineData, RefundData, reversals

from ...triage.models import TriageState
from ..models import LIVE_STATES, EventKind, PaymentRequest, RequestState
from ..statuses import ENDED_UNPAID_CODES, Category, status_info
from .common import record_event

logger = logging.getLogger(__name__)

STILL_AT_URSSAF = (
    "L'URSSAF traite encore la demande de paiement de cette facture ({label}) : elle ne peut "
    "pas être corrigée maintenant. Attendez la réponse du client ou demandez l'annulation à "
    "l'URSSAF ; le portail suivra le changement."
)
TRANSFER_NOT_BOOKED = (
    "L'URSSAF a payé cette facture mais son virement n'est pas encore rapproché : l'équipe de "
    "la coopérative doit d'abord l'enregistrer."
)


def live_request(invoice: Invoice) -> PaymentRequest | None:
    """Return the invoice's payment request that is not over on the portal's side, if any."""
    return invoice.payment_requests.filter(state__in=LIVE_STATES).first()


def _request_refusal(request: PaymentRequest | None) -> str:
    if request is None or request.state == RequestState.FAILED:
        return ""
    if request.state == RequestState.SUBMITTED:
        if request.status_code in ENDED_UNPAID_CODES:
            return ""
        if status_info(request.status_code).category == Category.PAID:
            return "" if request.payment_id else TRANSFER_NOT_BOOKED
    label = request.status_info.label if request.status_code else request.get_state_display()
    return STILL_AT_URSSAF.format(label=label.lower())


def correction_refusal(invoice: Invoice) -> str:
    """Return why the invoice cannot be corrected now, in French; "" when it can."""
    if invoice.status == InvoiceStatus.DRAFT:
        return "Un brouillon se modifie directement : il n'a pas besoin d'avoir."
    if invoice.status == InvoiceStatus.CANCELLED:
        if Invoice.objects.filter(replaces=invoice).exists():
            return ""
        if not CreditNote.objects.filter(invoice=invoice).exists():
            return "Cette facture a été annulée sans avoir : elle ne peut pas être corrigée ici."
        return ""
    return _request_refusal(live_request(invoice))


def correction_reason(invoice: Invoice) -> str:
    """Return the credit note's reason the invoice's situation implies (a CreditNoteReason)."""
    request = live_request(invoice)
    if request is not None and request.state == RequestState.FAILED:
        return CreditNoteReason.REFUSED_AT_SENDING
    if request is not None and request.status_code in ENDED_UNPAID_CODES:
        if request.status_code == "40":
            return CreditNoteReason.CONTESTED
        return CreditNoteReason.URSSAF_CANCELLED
    if invoice.status == InvoiceStatus.PAID:
        return CreditNoteReason.WRONG_AFTER_PAYMENT
    return CreditNoteReason.INVOICE_ERROR


def refund_due(invoice: Invoice):
    """Return what goes back to the client if the invoice is corrected now (deposits excepted:
    they move to the corrected invoice)."""
    payments = invoice.payments.effective().exclude(reference=DEPOSIT_REFERENCE)
    return sum((payment.amount for payment in payments), Decimal("0.00"))


@transaction.atomic
def invoice_correct(
    *, invoice: Invoice, by: User, detail: str = "", refund: RefundData | None = None
) -> Invoice:
    """Cancel the invoice with a credit note, refund the client if they paid, and return a new
    draft copying it (`replaces` the invoice) for the provider to fix and issue.

    Run again on the same invoice (a double click), it returns the draft already made. Raises
    ValidationError (French) while URSSAF still handles the request, or as
    invoices.services.invoice_credit does (a refund missing or refused); nothing is saved.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    replacement = Invoice.objects.filter(replaces=invoice).first()
    if replacement is not None:
        return replacement
    if refusal := correction_refusal(invoice):
        raise ValidationError(refusal)
    if invoice.status != InvoiceStatus.CANCELLED:
        reason = correction_reason(invoice)
        _supersede(live_request(invoice), by)
        _take_back_deposit(invoice, by)
        invoice_services.invoice_credit(
            invoice=invoice, by=by, reason=reason, detail=detail, refund=refund
        )
    draft = _copy_as_draft(invoice)
    audit(actor=by, action="invoice.corrected", obj=invoice, note=f"Brouillon n° {draft.pk}")
    logger.info("Invoice %s corrected: draft %s by user %s", invoice.number, draft.pk, by.pk)
    return draft


def _supersede(request: PaymentRequest | None, by: User) -> None:
    """End a request URSSAF will not pay: the corrected invoice sends its own."""
    if request is None or request.payment_id is not None:
        return  # paid and booked: it stays followed (URSSAF may still take the money back)
    now = timezone.now()
    request.state = RequestState.SUPERSEDED
    request.next_poll_at = None
    if request.is_in_triage:
        request.close_triage(state=TriageState.RESOLVED, by=by, now=now)
    request.save()
    message = "Facture annulée par un avoir ; une facture corrigée la remplace."
    record_event(request, EventKind.STAFF, now, message, data={"by": by.pk})
    audit(actor=by, action="urssaf.payment_request.superseded", obj=request, note=message)


def _take_back_deposit(invoice: Invoice, by: User) -> None:
    """Reverse the deposit on the cancelled invoice: it moves to the corrected draft."""
    for payment in invoice.payments.effective().filter(reference=DEPOSIT_REFERENCE):
        reversals.payment_reverse(
            payment=payment,
            on=timezone.localdate(),
            reason="Acompte reporté sur la facture corrigée",
            by=by,
        )


def _copy_as_draft(invoice: Invoice) -> Invoice:
    lines = LineData.of(invoice)
    deposit = None
    if invoice.deposit_amount > 0:
        # A deposit always has its date (constraint invoice_deposit_complete).
        paid_on = cast(date, invoice.deposit_paid_on)
        deposit = DepositData(invoice.deposit_amount, paid_on, invoice.deposit_mode)
    return invoice_services.invoice_create_draft(
        provider=invoice.provider,
        client=invoice.client,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=lines,
        notes=invoice.notes,
        deposit=deposit,
        replaces=invoice,
    )
