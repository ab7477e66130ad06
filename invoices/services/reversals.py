"""Taking a recorded payment back: URSSAF recovered or cancelled an avance immédiate it paid.

The payment stays in the history with its reversal; every sum of what was paid leaves it out,
so the invoice is due again (paid → issued) and the attestation no longer counts it.
"""

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit
from clients.models import User

from ..models import Invoice, InvoiceStatus, Payment, PaymentReversal
from ..templatetags.fr_format import euros
from .payouts import payout_on_reversal

logger = logging.getLogger(__name__)


@transaction.atomic
def payment_reverse(
    *, payment: Payment, on: date, reason: str, by: User | None, reference: str = ""
) -> PaymentReversal:
    """Reverse a payment in full; reopen its invoice if it was paid; return the reversal.

    A payout still due for the invoice is cancelled, one already paid is flagged to recover.
    Raises ValidationError when the payment was already reversed.
    """
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise ValidationError("Ce paiement a déjà été repris.")
    reversal = PaymentReversal(
        payment=payment, reversed_on=on, reason=reason[:200], reference=reference, recorded_by=by
    )
    reversal.full_clean()
    reversal.save()
    if invoice.status == InvoiceStatus.PAID:
        invoice.status = InvoiceStatus.ISSUED
        invoice.paid_at = None
        invoice.save(update_fields=["status", "paid_at"])
        changes = {"status": [InvoiceStatus.PAID, InvoiceStatus.ISSUED]}
        audit(actor=by, action="invoice.reopened", obj=invoice, changes=changes, note=reason)
    payout_on_reversal(invoice=invoice, by=by)
    audit(actor=by, action="invoice.payment.reversed", obj=invoice, note=euros(payment.amount))
    logger.info("Payment %s on invoice %s reversed", payment.pk, invoice.number)
    return reversal
