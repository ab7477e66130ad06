"""What URSSAF's statuses mean for the invoice's books: the payment at 70, its reversal after.

At 70 ("payée") the avance immédiate is booked on the invoice: the transfer amount (the
invoice total less any deposit), split into the AI credit share and the client's share, paid
on the transfer date. At 111/112/120 (recovered or cancelled after payment) it is reversed and
the invoice reopened. Both are idempotent: the request points to its payment, a payment has
at most one reversal.
"""

import logging
from datetime import datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit
from invoices import services as invoice_services
from invoices.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    PaymentReversal,
    Payout,
    PayoutStatus,
)
from invoices.services import reversals
from invoices.services.payouts import PAYOUT_TARGET
from invoices.templatetags.fr_format import euros

from ...exceptions import UrssafErrorDetail
from .. import triage_table
from ..models import URSSAF_PAYS, EventKind, PaymentRequest
from ..schedule import PARIS
from ..statuses import status_info
from .common import audit_request, record_event, triage_now

logger = logging.getLogger(__name__)

PAID_BY_URSSAF = (
    "Cette facture est réglée par l'avance immédiate : l'URSSAF verse la totalité à la "
    "coopérative et prélève elle-même la part du client. Aucun autre règlement ne peut être "
    "enregistré tant que la demande de paiement est en cours ; seul un acompte sur devis se "
    "règle autrement, et il se déclare sur la facture avant son émission."
)


def ordinary_payment_refusal(invoice: Invoice) -> str:
    """Return why a payment outside URSSAF is refused on this invoice, "" when it is allowed.

    Refused while a payment request is live (waiting, sent, failed and awaiting the staff);
    allowed again once URSSAF ended it without paying (contested, cancelled, unpaid) or the
    staff abandoned it.
    """
    return PAID_BY_URSSAF if invoice.payment_requests.filter(URSSAF_PAYS).exists() else ""


def urssaf_shares(invoice: Invoice, amount: Decimal) -> tuple[Decimal, Decimal]:
    """Return (client share, AI credit share) of what URSSAF paid for the invoice.

    The credit is half the invoice (Invoice.credit_share) unless URSSAF paid less than that;
    the client's share is the rest of the transfer (their half, less any deposit).
    """
    credit = min(invoice.credit_share, amount)
    return amount - credit, credit


def urssaf_payment_book(*, request_id: int) -> Payment | None:
    """Book URSSAF's transfer on the invoice of a paid request; return the payment.

    Returns None when it is already booked, or when the amount does not match what is due
    (then the request goes to triage for a human to reconcile).
    """
    with transaction.atomic():
        request = _locked(request_id)
        if request.payment_id is not None:
            return None
        invoice = request.invoice
        amount = request.transfer_amount or (invoice.total_ttc - invoice.deposit_amount)
        try:
            payment = _record_payment(request, invoice, amount)
        except ValidationError as exc:
            # Rolled back to the savepoint: the request itself is still saved below.
            _mismatch(request, amount, " ".join(exc.messages))
            return None
        request.payment = payment
        request.save(update_fields=["payment"])
        _payout_after_transfer(request)
        record_event(request, EventKind.PAYMENT, timezone.now(), f"{amount} € enregistrés")
        audit_request(request, "urssaf.payment_request.booked", note=euros(amount))
        _audit_invoice_paid(invoice)
    logger.info("Avance immédiate of request %s booked on invoice %s", request.pk, invoice.pk)
    return payment


def _payout_after_transfer(request: PaymentRequest) -> None:
    """Owe the provider from URSSAF's transfer date when it is later than today.

    Only where URSSAF's clock runs ahead of ours (the sandbox's, in demos): otherwise a page
    would say the provider is paid by the 7th for money received on the 9th.
    """
    if request.transfer_date is None or request.transfer_date <= timezone.localdate():
        return
    received = datetime.combine(request.transfer_date, time(12), tzinfo=PARIS)
    Payout.objects.filter(
        invoice_id=request.invoice_id, status=PayoutStatus.DUE, due_at__lt=received + PAYOUT_TARGET
    ).update(due_at=received + PAYOUT_TARGET)


def _audit_invoice_paid(invoice: Invoice) -> None:
    invoice.refresh_from_db(fields=["status"])
    if invoice.status == InvoiceStatus.PAID:
        changes = {"status": [InvoiceStatus.ISSUED, InvoiceStatus.PAID]}
        audit(actor=None, action="invoice.paid", obj=invoice, changes=changes, note="URSSAF")


def _locked(request_id: int) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("invoice").get(pk=request_id)


def _record_payment(request: PaymentRequest, invoice: Invoice, amount: Decimal) -> Payment:
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError(f"La facture est « {invoice.get_status_display()} ».")
    due = invoice.total_ttc - invoice_services.amount_paid(invoice)
    if amount != due:
        raise ValidationError(f"Virement de {amount} € pour un reste dû de {due} €.")
    client_share, credit = urssaf_shares(invoice, amount)
    # A transfer date ahead of ours (the sandbox's clock runs ahead in demos) is booked today.
    paid_on = min(request.transfer_date or timezone.localdate(), timezone.localdate())
    with transaction.atomic():
        return invoice_services.payment_record(
            invoice=invoice,
            amount=amount,
            paid_on=paid_on,
            mode=PaymentMode.IMMEDIATE_ADVANCE,
            by=None,
            reference=f"URSSAF {request.urssaf_id}"[:100],
            client_share=client_share,
            ai_credit_share=credit,
        )


def _mismatch(request: PaymentRequest, amount: Decimal, reason: str) -> None:
    detail = UrssafErrorDetail(code=triage_table.AMOUNT_MISMATCH, message=reason)
    triage_now(request, [detail], timezone.now())
    logger.warning("Request %s: URSSAF paid %s, not booked (%s)", request.pk, amount, reason)


def urssaf_payment_reverse(*, request_id: int) -> PaymentReversal | None:
    """Reverse the booked payment of a request URSSAF recovered or cancelled after paying.

    Returns the reversal, or None when nothing was booked or it is already reversed.
    """
    with transaction.atomic():
        request = _locked(request_id)
        payment = request.payment
        if payment is None or PaymentReversal.objects.filter(payment=payment).exists():
            return None
        label = status_info(request.status_code).label
        reversal = reversals.payment_reverse(
            payment=payment,
            on=timezone.localdate(),
            reason=f"URSSAF : demande {label.lower()} (statut {request.status_code})",
            by=None,
            reference=f"URSSAF {request.urssaf_id}"[:100],
        )
        record_event(request, EventKind.REVERSAL, timezone.now(), f"{payment.amount} € repris")
        audit_request(request, "urssaf.payment_request.reversed", note=request.status_code)
    logger.info("Avance immédiate of request %s reversed", request.pk)
    return reversal
