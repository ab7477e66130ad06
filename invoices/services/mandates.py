"""The client's direct-debit and card mandates: flagged to stop, then confirmed stopped."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit
from clients.models import Client, User

from ..models import MandateStatus, PaymentMandate

logger = logging.getLogger(__name__)

AI_STOP_REASON = "Avance immédiate active : l'URSSAF prélève désormais la part du client."


def mandates_flag_to_stop(
    *, client: Client, reason: str = AI_STOP_REASON, now: datetime | None = None
) -> int:
    """Flag every mandate still in force for the client as "to stop"; return how many.

    Call it inside the transaction that activates the avance immédiate. Each flag is audited;
    a mandate already flagged or stopped is left alone (running twice changes nothing).
    """
    now = now or timezone.now()
    flagged = list(
        PaymentMandate.objects.select_for_update().filter(
            client=client, status=MandateStatus.ACTIVE
        )
    )
    for mandate in flagged:
        mandate.status = MandateStatus.TO_STOP
        mandate.flagged_at = now
        mandate.stop_reason = reason
        mandate.save(update_fields=["status", "flagged_at", "stop_reason"])
        audit(actor=None, action="invoices.mandate.to_stop", obj=mandate, note=reason)
    if flagged:
        logger.info("%s mandate(s) of client %s flagged to stop", len(flagged), client.pk)
    return len(flagged)


@transaction.atomic
def mandate_confirm_stopped(*, mandate: PaymentMandate, by: User) -> PaymentMandate:
    """Record that the staff stopped the mandate at the bank or card processor.

    Returns it stopped; confirming twice is harmless. Raises ValidationError (French) for
    anyone but the cooperative's staff.
    """
    if not by.is_cooperative_staff:
        raise ValidationError("Seule l'équipe de la coopérative confirme l'arrêt d'un mandat.")
    mandate = PaymentMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status == MandateStatus.STOPPED:
        return mandate
    mandate.status = MandateStatus.STOPPED
    mandate.stopped_at = timezone.now()
    mandate.stopped_by = by
    mandate.save(update_fields=["status", "stopped_at", "stopped_by"])
    audit(actor=by, action="invoices.mandate.stopped", obj=mandate)
    return mandate
