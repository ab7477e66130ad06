"""Business writes on invoices and payments."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client, Provider, User

from ..models import Invoice, InvoiceStatus, Payment, PaymentMode
from ..templatetags.fr_format import euros
from .documents import (
    DraftContent,
    draft_delete,
    draft_lock,
    draft_new,
    draft_number,
    draft_save,
)
from .payouts import payout_open

logger = logging.getLogger(__name__)

# A deposit may be paid on the quote, some weeks before the invoice is issued.
_ACOMPTE_TOLERANCE = timedelta(days=90)
DEPOSIT_REFERENCE = "Acompte sur devis"


@dataclass(frozen=True)
class DepositData:
    """An acompte received on the quote, before the invoice (recorded when it is issued)."""

    amount: Decimal
    paid_on: date
    mode: str


def _deposit_errors(deposit: DepositData | None) -> list[str]:
    if deposit is None:
        return []
    errors = []
    if deposit.amount <= 0:
        errors.append("L'acompte doit être positif.")
    if deposit.paid_on > timezone.localdate():
        errors.append("La date de l'acompte ne peut pas être dans le futur.")
    if deposit.mode == PaymentMode.IMMEDIATE_ADVANCE or deposit.mode not in PaymentMode.values:
        errors.append("Choisissez le mode de paiement de l'acompte (hors avance immédiate).")
    return errors


@transaction.atomic
def invoice_create_draft(
    *,
    provider: Provider,
    client: Client,
    deposit: DepositData | None = None,
    replaces: Invoice | None = None,
    outside_ai_reason: str = "",
    **content: Unpack[DraftContent],
) -> Invoice:
    """Create a draft invoice with its period, lines (and computed totals), notes and optional
    deposit; `replaces` is the cancelled invoice it corrects; `outside_ai_reason`, why a client
    of the avance immédiate pays this one directly (its rules then do not apply).

    Raises ValidationError (French messages) when the client, dates, lines or deposit are not
    acceptable.
    """
    invoice = draft_new(
        Invoice, provider, client, replaces=replaces, outside_ai_reason=outside_ai_reason
    )
    return _save_draft(invoice, content, deposit)


@transaction.atomic
def invoice_update_draft(
    *,
    invoice: Invoice,
    deposit: DepositData | None = None,
    **content: Unpack[DraftContent],
) -> Invoice:
    """Replace a draft's period, notes, lines and deposit.

    Raises ValidationError once it is issued, or like `invoice_create_draft`.
    """
    return _save_draft(draft_lock(invoice), content, deposit)


def _save_draft(invoice: Invoice, content: DraftContent, deposit: DepositData | None) -> Invoice:
    invoice.deposit_amount = deposit.amount if deposit else Decimal("0")
    invoice.deposit_paid_on = deposit.paid_on if deposit else None
    invoice.deposit_mode = deposit.mode if deposit else ""
    return draft_save(invoice, content, errors=_deposit_errors(deposit))


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by: User, on: date | None = None) -> Invoice:
    """Issue a draft: give it the next gap-free number of the year and freeze it.

    `on` back-dates the issue (demo data, imports); numbers must follow dates, so it may not
    precede the last invoice issued that year. The deposit, if any, is recorded as a payment.
    Returns the issued invoice; raises ValidationError if it is not a draft, has no line or the
    date is refused (nothing is saved). The screens issue through
    urssaf.payments.services.invoice_issue_and_submit, which also sends the payment request of
    an avance immédiate client in the same transaction.
    """
    if on is not None and on > timezone.localdate():
        raise ValidationError("Une facture ne peut pas être émise à une date future.")
    invoice = draft_number(invoice, on=on)
    invoice.save()
    _record_deposit(invoice, by)
    logger.info("Invoice %s issued by user %s", invoice.number, by.pk)
    return invoice


def _record_deposit(invoice: Invoice, by: User) -> None:
    if invoice.deposit_amount > 0:
        payment_record(
            invoice=invoice,
            amount=invoice.deposit_amount,
            # A deposit always has its date (constraint invoice_deposit_complete).
            paid_on=invoice.deposit_paid_on,  # type: ignore[arg-type]
            mode=invoice.deposit_mode,
            by=by,
            reference=DEPOSIT_REFERENCE,
        )


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    """Delete a draft; an issued invoice is never deleted (cancel it instead)."""
    draft_delete(invoice)


def amount_paid(invoice: Invoice) -> Decimal:
    """Return what was paid on the invoice and not taken back since."""
    total = invoice.payments.effective().aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    mode: str,
    by: User | None,
    reference: str = "",
    client_share: Decimal | None = None,
    ai_credit_share: Decimal | None = None,
) -> Payment:
    """Record a payment received for an issued invoice; mark it paid once fully settled.

    A paid invoice opens its provider's payout. Raises ValidationError for a draft or
    cancelled invoice, a non-positive amount, a date in the future or before the invoice, or
    more than what is still due. The screens record a payment received outside URSSAF through
    urssaf.payments.services.payment_record_unless_at_urssaf, which refuses it while URSSAF
    pays the invoice.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_payable:
        raise ValidationError("Un paiement ne peut être enregistré que sur une facture émise.")
    errors = []
    if amount <= 0:
        errors.append("Le montant doit être positif.")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: a NaN fails above
        errors.append("Le montant ne peut avoir plus de deux décimales.")
    due = invoice.total_ttc - amount_paid(invoice)
    if amount > due:
        errors.append(f"Le montant dépasse le reste à payer ({euros(due)}).")
    if paid_on > timezone.localdate():
        errors.append("La date de paiement ne peut pas être dans le futur.")
    if invoice.issue_date and paid_on < invoice.issue_date - _ACOMPTE_TOLERANCE:
        errors.append("La date de paiement précède de trop la date de la facture.")
    if errors:
        raise ValidationError(errors)
    payment = Payment(
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        mode=mode,
        reference=reference,
        recorded_by=by,
        client_share=client_share,
        ai_credit_share=ai_credit_share,
    )
    payment.full_clean()
    payment.save()
    if amount == due:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = timezone.now()
        invoice.save(update_fields=["status", "paid_at"])
        payout_open(invoice=invoice, paid_at=invoice.paid_at)
    if mode == PaymentMode.CASH:
        logger.info("Cash payment recorded on invoice %s: not a tax justificatif", invoice.number)
    return payment
