"""Recording the cooperative's financial guarantees; reminders and alerts to the staff.

Recording or withdrawing a guarantee is audited. Recording one in force releases the payment
requests held for want of it, once committed (urssaf.tasks.release_held_payment_requests); the
periodic follow-up does the same for a guarantee that starts later, reminds the staff before a
guarantee ends and alerts them when the year's avance immédiate total reaches 80 % and 100 %
of the threshold, each reminder and alert once.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.services import audit
from clients.models import Cooperative, Role, User

from .. import tasks
from . import rules
from .figures import ALERT_LEVELS, REMINDER_DAYS
from .models import FinancialGuarantee, ThresholdAlert

logger = logging.getLogger(__name__)

NOT_FOR_PROVIDERS = "Seule l'équipe de la coopérative enregistre une garantie financière."


@transaction.atomic
def guarantee_record(*, guarantee: FinancialGuarantee, by: User) -> FinancialGuarantee:
    """Save a new or corrected guarantee of the cooperative and audit it.

    Returns it saved. Raises ValidationError (French) for a period, amount or file refused.
    When it is in force today, the held payment requests are released after the commit.
    """
    if not by.is_cooperative_staff:
        raise ValidationError(NOT_FOR_PROVIDERS)
    created = guarantee.pk is None
    if created:
        guarantee.cooperative = Cooperative.current()
        guarantee.recorded_by = by
    guarantee.full_clean()
    guarantee.save()
    audit(
        actor=by,
        action="urssaf.guarantee.recorded" if created else "urssaf.guarantee.changed",
        obj=guarantee,
        note=f"{guarantee.amount} € du {guarantee.valid_from} au {guarantee.valid_to}",
    )
    if guarantee.is_valid_on(timezone.localdate()):
        transaction.on_commit(lambda: tasks.release_held_payment_requests.delay())
    logger.info("Financial guarantee %s recorded by user %s", guarantee.pk, by.pk)
    return guarantee


@transaction.atomic
def guarantee_withdraw(*, guarantee: FinancialGuarantee, by: User, note: str) -> None:
    """Withdraw a guarantee recorded by mistake or cancelled by its issuer (kept, audited)."""
    if not by.is_cooperative_staff:
        raise ValidationError(NOT_FOR_PROVIDERS)
    locked = FinancialGuarantee.objects.select_for_update().get(pk=guarantee.pk)
    if locked.withdrawn_at is None:
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        audit(actor=by, action="urssaf.guarantee.withdrawn", obj=locked, note=note)


def guarantee_follow_up(*, today: dt.date | None = None) -> dict[str, int]:
    """Periodic: release held requests, remind before expiry, alert on the threshold.

    Returns how many of each were done (for the logs). Each reminder and alert goes once.
    """
    from ..payments.services.held import payment_requests_release_held

    today = today or timezone.localdate()
    return {
        "released": payment_requests_release_held(),
        "reminders": guarantee_reminders_send(today=today),
        "alerts": threshold_alerts_send(today=today),
    }


def _staff_emails() -> list[str]:
    return list(
        User.objects.filter(role=Role.STAFF, is_active=True).values_list("email", flat=True)
    )


def _admin_url(name: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name)


def _reminder_step(guarantee: FinancialGuarantee, today: dt.date) -> int | None:
    """Return the reminder step due for this guarantee today, None when none is."""
    days_left = (guarantee.valid_to - today).days
    due = [days for days in REMINDER_DAYS if days_left <= days]
    if days_left < 0 or not due:
        return None
    step = min(due)
    done = guarantee.reminded_days_before
    return step if done is None or step < done else None


def guarantee_reminders_send(*, today: dt.date) -> int:
    """E-mail the staff about guarantees ending soon that no later one takes over from.

    Returns the number of reminders sent (one per guarantee and step).
    """
    sent = 0
    for guarantee in FinancialGuarantee.objects.valid_on(today):
        successor = FinancialGuarantee.objects.valid_on(guarantee.valid_to + dt.timedelta(days=1))
        if successor.exists():
            continue
        step = _reminder_step(guarantee, today)
        if step is None:
            continue
        # Claimed with a conditional UPDATE: two runs together send one reminder.
        claimed = FinancialGuarantee.objects.filter(
            pk=guarantee.pk, reminded_days_before=guarantee.reminded_days_before
        ).update(reminded_days_before=step)
        if claimed:
            _send_staff_mail(
                "guarantee_expiry",
                {
                    "guarantee": guarantee,
                    "days_left": (guarantee.valid_to - today).days,
                    "admin_url": _admin_url("admin:urssaf_financialguarantee_add"),
                },
            )
            sent += 1
    return sent


def threshold_alerts_send(*, today: dt.date) -> int:
    """E-mail the staff once when the year's total reaches each alert level; return how many."""
    status = rules.year_status(today.year, today)
    sent = 0
    if not _staff_emails():
        logger.warning("Threshold alerts of %s not sent: no staff member", today.year)
        return 0
    for level in ALERT_LEVELS:
        if status.level < level:
            continue
        try:
            with transaction.atomic():
                ThresholdAlert.objects.create(year=status.year, level=level, total=status.total)
        except IntegrityError:
            continue  # already announced
        _send_staff_mail(
            "guarantee_threshold",
            {
                "status": status,
                "level": level,
                "admin_url": _admin_url("admin:urssaf_financialguarantee_changelist"),
            },
        )
        sent += 1
    return sent


def _send_staff_mail(template: str, context: dict) -> None:
    recipients = _staff_emails()
    if not recipients:
        logger.warning("No staff member to send %s to", template)
        return
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    send_mail(
        subject=" ".join(subject.split()),
        message=render_to_string(f"emails/{template}_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
