"""Business writes on invoices and payments."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client, Provider, User

from ..models import (
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    PaymentMode,
    ServiceNature,
    Unit,
)
from ..payouts import payout_open

logger = logging.getLogger(__name__)

# A deposit may be paid on the quote, some weeks before the invoice is issued.
_ACOMPTE_TOLERANCE = timedelta(days=90)
DEPOSIT_REFERENCE = "Acompte sur devis"


@dataclass(frozen=True)
class LineData:
    nature: ServiceNature
    service_date: date
    quantity: Decimal
    unit_price_ttc: Decimal
    vat_rate: Decimal
    unit: str = Unit.HOUR
    description: str = ""


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


def _set_deposit(invoice: Invoice, deposit: DepositData | None) -> None:
    invoice.deposit_amount = deposit.amount if deposit else Decimal("0")
    invoice.deposit_paid_on = deposit.paid_on if deposit else None
    invoice.deposit_mode = deposit.mode if deposit else ""


def check_draft_inputs(
    *,
    provider: Provider,
    client: Client,
    period_start: date,
    period_end: date,
    lines,
    deposit: DepositData | None = None,
    document: str = "Une facture",
) -> None:
    """Raise ValidationError (every French message at once) for a draft invoice or quote that
    cannot be saved: client not the provider's, period, lines, natures, deposit."""
    errors: list[str] = _deposit_errors(deposit)
    if not client.providers.filter(pk=provider.pk).exists():
        errors.append("Ce client n'est pas rattaché à votre compte.")
    if period_end < period_start:
        errors.append("La fin de la période de service précède son début.")
    if not lines:
        errors.append(f"{document} doit comporter au moins une ligne.")
    allowed = set(provider.natures.values_list("pk", flat=True))
    for index, line in enumerate(lines, start=1):
        if allowed and line.nature.pk not in allowed:
            errors.append(f"Ligne {index} : vous n'êtes pas habilité(e) pour « {line.nature} ».")
        if not period_start <= line.service_date <= period_end:
            errors.append(f"Ligne {index} : la date d'intervention est hors de la période.")
        if line.quantity <= 0:
            errors.append(f"Ligne {index} : la quantité doit être positive.")
        if line.unit_price_ttc < 0 or line.vat_rate < 0:
            errors.append(f"Ligne {index} : les montants ne peuvent pas être négatifs.")
    if errors:
        raise ValidationError(errors)


def build_lines(
    document, lines: list[LineData], *, model=InvoiceLine, parent: str = "invoice"
) -> list:
    """Validate the lines of an invoice (or, with QuoteLine and "quote", of a quote) and set
    the document's totals from them; nothing is saved yet."""
    objs = []
    for position, data in enumerate(lines):
        line = model(
            **{parent: document},
            nature=data.nature,
            description=data.description,
            service_date=data.service_date,
            unit=data.unit,
            quantity=data.quantity,
            unit_price_ttc=data.unit_price_ttc,
            vat_rate=data.vat_rate,
            position=position,
        )
        line.compute_totals()
        line.full_clean(exclude=[parent])
        objs.append(line)
    document.total_ht = sum((line.total_ht for line in objs), Decimal("0.00"))
    document.total_tva = sum((line.total_tva for line in objs), Decimal("0.00"))
    document.total_ttc = sum((line.total_ttc for line in objs), Decimal("0.00"))
    return objs


@transaction.atomic
def invoice_create_draft(
    *,
    provider: Provider,
    client: Client,
    period_start: date,
    period_end: date,
    lines: list[LineData],
    notes: str = "",
    deposit: DepositData | None = None,
    replaces: Invoice | None = None,
) -> Invoice:
    """Create a draft invoice with its lines, computed totals and optional deposit; `replaces`
    is the cancelled invoice it corrects.

    Raises ValidationError (French messages) when the client, dates, lines or deposit are not
    acceptable.
    """
    check_draft_inputs(
        provider=provider,
        client=client,
        period_start=period_start,
        period_end=period_end,
        lines=lines,
        deposit=deposit,
    )
    invoice = Invoice(
        cooperative=provider.cooperative,
        provider=provider,
        client=client,
        period_start=period_start,
        period_end=period_end,
        notes=notes,
        replaces=replaces,
    )
    _set_deposit(invoice, deposit)
    built = build_lines(invoice, lines)
    invoice.full_clean()  # after the totals: an overflowing sum is refused, not a DB error
    invoice.save()
    InvoiceLine.objects.bulk_create(built)
    return invoice


@transaction.atomic
def invoice_update_draft(
    *,
    invoice: Invoice,
    period_start: date,
    period_end: date,
    lines: list[LineData],
    notes: str = "",
    deposit: DepositData | None = None,
) -> Invoice:
    """Replace a draft's period, notes, lines and deposit.

    Raises ValidationError once it is issued, or like `invoice_create_draft`.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_editable:
        raise ValidationError("Une facture émise ne peut plus être modifiée.")
    check_draft_inputs(
        provider=invoice.provider,
        client=invoice.client,
        period_start=period_start,
        period_end=period_end,
        lines=lines,
        deposit=deposit,
    )
    invoice.period_start = period_start
    invoice.period_end = period_end
    invoice.notes = notes
    _set_deposit(invoice, deposit)
    built = build_lines(invoice, lines)
    invoice.full_clean()
    invoice.save()
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(built)
    return invoice


def _allocate_number(invoice: Invoice, year: int) -> None:
    """Take the next number of the year under a row lock.

    The sequence row is locked until the surrounding transaction ends, so two concurrent issues
    are serialised and a rolled-back issue gives its number back: numbering stays gap-free.
    """
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(cooperative=invoice.cooperative, year=year)], ignore_conflicts=True
    )
    sequence = InvoiceSequence.objects.select_for_update().get(
        cooperative=invoice.cooperative, year=year
    )
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    invoice.year = year
    invoice.sequence = sequence.last_value
    invoice.number = f"{year}-{sequence.last_value:05d}"


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
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError("Cette facture a déjà été émise.")
    if not invoice.lines.exists():
        raise ValidationError("Une facture doit comporter au moins une ligne.")
    today = timezone.localdate()
    issue_date = on or today
    if issue_date > today:
        raise ValidationError("Une facture ne peut pas être émise à une date future.")
    _allocate_number(invoice, issue_date.year)
    latest = (
        Invoice.objects.filter(cooperative=invoice.cooperative, year=issue_date.year)
        .exclude(issue_date=None)
        .order_by("-issue_date")
        .values_list("issue_date", flat=True)
        .first()
    )
    if latest and issue_date < latest:
        # Checked under the sequence lock, so no concurrent issue can slip in between.
        raise ValidationError(
            f"La numérotation doit suivre l'ordre des dates : une facture a déjà été émise "
            f"le {latest:%d/%m/%Y}."
        )
    invoice.issue_date = issue_date
    invoice.issued_at = timezone.now()
    invoice.status = InvoiceStatus.ISSUED
    invoice.save()
    _record_deposit(invoice, by)
    logger.info("Invoice %s issued by user %s", invoice.number, by.pk)
    return invoice


def _record_deposit(invoice: Invoice, by: User) -> None:
    if invoice.deposit_amount > 0:
        payment_record(
            invoice=invoice,
            amount=invoice.deposit_amount,
            paid_on=invoice.deposit_paid_on,
            mode=invoice.deposit_mode,
            by=by,
            reference=DEPOSIT_REFERENCE,
        )


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    """Delete a draft; an issued invoice is never deleted (cancel it instead)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError("Seul un brouillon peut être supprimé.")
    invoice.delete()


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, by: User) -> Invoice:
    """Cancel an issued invoice that has received no payment; its number stays used.

    The screens cancel through urssaf.payments.services.invoice_cancel_unless_at_urssaf, which
    refuses while URSSAF pays the invoice.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError("Seule une facture émise et non payée peut être annulée.")
    if invoice.payments.effective().exists():
        raise ValidationError("Cette facture a déjà reçu un paiement : elle ne peut être annulée.")
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.save(update_fields=["status", "cancelled_at"])
    logger.info("Invoice %s cancelled by user %s", invoice.number, by.pk)
    return invoice


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
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError("Un paiement ne peut être enregistré que sur une facture émise.")
    errors = []
    if amount <= 0:
        errors.append("Le montant doit être positif.")
    if amount.as_tuple().exponent < -2:
        errors.append("Le montant ne peut avoir plus de deux décimales.")
    due = invoice.total_ttc - amount_paid(invoice)
    if amount > due:
        errors.append(f"Le montant dépasse le reste à payer ({due} €).")
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
