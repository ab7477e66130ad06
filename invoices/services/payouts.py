"""The provider payout ledger: what the cooperative owes its providers, and paying it.

An invoice becoming paid (URSSAF's transfer booked, or a direct payment settling it) opens a
payout of the invoice's total to its provider, due within PAYOUT_TARGET. Staff mark payouts
paid, one by one or as a SEPA credit-transfer batch (invoices/sepa.py). A payment taken back
cancels a payout still due, or flags one already paid as money to recover.
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit
from clients.models import User

from ..models import Invoice, Payout, PayoutBatch, PayoutStatus
from ..templatetags.fr_format import euros

logger = logging.getLogger(__name__)

# "Provider paid within 24 to 48 h of the cooperative being paid": late past this.
PAYOUT_TARGET = timedelta(hours=48)


def payout_open(*, invoice: Invoice, paid_at: datetime) -> Payout:
    """Record that the provider is owed a paid invoice's total; return the (open) payout.

    Called inside the transaction that marks the invoice paid. An open payout is kept as is;
    one paid to the provider before its payment was taken back is settled again by this new
    payment instead of paying the provider twice.
    """
    existing = (
        Payout.objects.select_for_update()
        .filter(invoice=invoice)
        .exclude(status=PayoutStatus.CANCELLED)
        .first()
    )
    if existing is not None:
        if existing.reversed_at is not None:
            existing.reversed_at = None
            existing.save(update_fields=["reversed_at"])
            audit(actor=None, action="payout.reversal_offset", obj=existing)
        return existing
    payout = Payout(
        invoice=invoice,
        provider_id=invoice.provider_id,
        amount=invoice.total_ttc,
        cooperative_paid_at=paid_at,
        due_at=paid_at + PAYOUT_TARGET,
    )
    payout.full_clean()
    payout.save()
    audit(actor=None, action="payout.due", obj=payout, note=euros(payout.amount))
    logger.info("Payout %s due to provider %s", payout.pk, invoice.provider_id)
    return payout


def payout_on_reversal(*, invoice: Invoice, by: User | None) -> None:
    """Cancel the invoice's payout still due; flag one already paid as money to recover."""
    now = timezone.now()
    for payout in Payout.objects.select_for_update().filter(invoice=invoice):
        if payout.status == PayoutStatus.DUE:
            payout.status = PayoutStatus.CANCELLED
            payout.save(update_fields=["status"])
            changes = {"status": [PayoutStatus.DUE, PayoutStatus.CANCELLED]}
            audit(actor=by, action="payout.cancelled", obj=payout, changes=changes)
        elif payout.status == PayoutStatus.PAID and payout.reversed_at is None:
            payout.reversed_at = now
            payout.save(update_fields=["reversed_at"])
            audit(actor=by, action="payout.to_recover", obj=payout)


def payouts_mark_paid(
    *, payouts: Iterable[Payout], by: User, paid_at: datetime | None = None
) -> list[Payout]:
    """Record that these payouts were transferred; return those that were still due.

    Each moves with a conditional update, so marking twice (two staff, a double click) never
    records a second payment date.
    """
    paid_at = paid_at or timezone.now()
    marked = []
    for payout in payouts:
        with transaction.atomic():
            moved = Payout.objects.filter(pk=payout.pk, status=PayoutStatus.DUE).update(
                status=PayoutStatus.PAID, paid_at=paid_at, marked_by=by
            )
            if moved:
                changes = {"status": [PayoutStatus.DUE, PayoutStatus.PAID]}
                audit(actor=by, action="payout.paid", obj=payout, changes=changes)
                marked.append(payout)
    return marked


@transaction.atomic
def payout_batch_create(
    *,
    payouts: Iterable[Payout],
    by: User,
    execution_date: date,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
) -> PayoutBatch:
    """Group payouts still due and in no batch into one SEPA transfer batch; return it.

    Raises ValidationError (French) when none qualifies or the debtor account is invalid.
    """
    ids = [payout.pk for payout in payouts]
    selected = list(
        Payout.objects.select_for_update()
        .filter(pk__in=ids, status=PayoutStatus.DUE, batch__isnull=True)
        .select_related("provider", "invoice")
        .order_by("due_at", "pk")
    )
    if not selected:
        raise ValidationError("Aucun versement à verser hors lot dans la sélection.")
    if execution_date < timezone.localdate():
        raise ValidationError("La date d'exécution ne peut pas être passée.")
    batch = PayoutBatch(
        message_id=f"SAP-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(3).upper()}",
        execution_date=execution_date,
        debtor_name=debtor_name,
        debtor_iban=debtor_iban.replace(" ", "").upper(),
        debtor_bic=debtor_bic.replace(" ", "").upper(),
        total=sum((payout.amount for payout in selected), Decimal("0.00")),
        count=len(selected),
        created_by=by,
    )
    batch.full_clean()
    batch.save()
    Payout.objects.filter(pk__in=[payout.pk for payout in selected]).update(batch=batch)
    audit(actor=by, action="payout.batch.created", obj=batch, note=f"{batch.count} virement(s)")
    logger.info("Payout batch %s prepared with %s transfers", batch.pk, batch.count)
    return batch
