"""After URSSAF accepted a registration: activation, reminders, expiry, and the staff's triage.

URSSAF sends the client an activation e-mail whose link is valid 7 days (tax/RULES.md §3). The
portal asks URSSAF where each pending registration stands, reminds the client after 2 and 5
days, and after 7 days hands the case to the staff as "activation expired".
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit
from clients.models import AI_ACTIVATION_LINK_VALIDITY, AIStatus, Client, User
from clients.validators import validate_staff_note

from ... import api, tasks
from ...backoff import STALE_CLAIM
from ...exceptions import PermanentUrssafError, UrssafErrorDetail
from ...payloads import ClientStatus
from ...triage.models import TriageState
from .. import triage_table
from ..models import AIRegistration, AIRegistrationState
from .common import email_on_commit, fail_client, mark_active, notify_failure, set_ai_status

logger = logging.getLogger(__name__)

# Latest first: when the poller was down past both, only the latest reminder goes out.
REMINDERS = ((timedelta(days=5), "reminded_5d_at"), (timedelta(days=2), "reminded_2d_at"))
# Link statuses that end the wait without activation (API.md §4).
ENDING_LINK_CODES = (
    triage_table.LINK_NOT_FINALISED,
    triage_table.LINK_BLOCKED,
    triage_table.LINK_MANDATE_EXPIRED,
)
# A pending attempt this old has outlived every retry of its task: the task was lost.
LOST_PENDING = timedelta(hours=2)
TRIAGE_TARGETS = (TriageState.CONTACTED, TriageState.RESOLVED, TriageState.INELIGIBLE)


def ai_registrations_follow_up() -> int:
    """Queue an activation check of every pending registration; resend the stuck attempts.

    Returns how many activation checks were queued.
    """
    ai_registrations_requeue_stuck()
    client_ids = list(
        Client.objects.filter(ai_status=AIStatus.AWAITING_ACTIVATION)
        .order_by("ai_awaiting_since")
        .values_list("pk", flat=True)
    )
    for client_id in client_ids:
        tasks.poll_ai_activation.delay(client_id)
    return len(client_ids)


def ai_activation_poll(*, client_id: int) -> str:
    """Ask URSSAF whether the client activated; remind, expire or mark active accordingly.

    Returns the client's AI status afterwards. Raises TransientUrssafError when URSSAF cannot
    answer (nothing changed; the caller retries later).
    """
    client = Client.objects.get(pk=client_id)
    if client.ai_status != AIStatus.AWAITING_ACTIVATION:
        return client.ai_status
    try:
        status = api.get_client_status(id_client=client.urssaf_id_client)
    except PermanentUrssafError as exc:
        if exc.has_code(triage_table.ASSOCIATION_NOT_FOUND):
            # The client refused or broke the association in their URSSAF space.
            return _end_wait(client_id, list(exc.errors))
        # Credentials or contract trouble is ours, not the client's: keep waiting (our own
        # deadline still applies) and let the logs alert whoever runs the portal.
        logger.error("URSSAF refused the activation check of client %s: %s", client_id, exc.codes)
        return _expire_if_overdue(client_id)
    return _apply_status(client_id, status)


@transaction.atomic
def _apply_status(client_id: int, status: ClientStatus) -> str:
    client = Client.objects.select_for_update().get(pk=client_id)
    if client.ai_status != AIStatus.AWAITING_ACTIVATION:
        return client.ai_status  # a concurrent poll got there first
    if status.is_active:
        mark_active(client, status)
        logger.info("Client %s activated the avance immédiate", client.pk)
        return client.ai_status
    if status.code in ENDING_LINK_CODES:
        return _end_wait(client_id, [UrssafErrorDetail(status.code, status.description)])
    if _overdue(client):
        return _expire_if_overdue(client_id)
    _remind_if_due(client, timezone.now() - client.ai_awaiting_since)
    return client.ai_status


def _overdue(client: Client) -> bool:
    # Only called on a client awaiting activation: ai_awaiting_since is set.
    return timezone.now() - client.ai_awaiting_since >= AI_ACTIVATION_LINK_VALIDITY  # type: ignore[operator]


def _expire_if_overdue(client_id: int) -> str:
    """End a wait past URSSAF's 7-day activation link, whatever URSSAF still says."""
    client = Client.objects.get(pk=client_id)
    if client.ai_status != AIStatus.AWAITING_ACTIVATION or not _overdue(client):
        return client.ai_status
    days = (timezone.now() - client.ai_awaiting_since).days  # type: ignore[operator]  # as above
    expired = UrssafErrorDetail(triage_table.ACTIVATION_EXPIRED, f"En attente depuis {days} jours")
    return _end_wait(client_id, [expired])


def _remind_if_due(client: Client, waited: timedelta) -> None:
    registration = _latest_sent(client)
    if registration is None:
        return
    for delay, field in REMINDERS:
        if waited < delay:
            continue
        # Claimed with a conditional update: two polls at once still send one reminder.
        claimed = AIRegistration.objects.filter(
            pk=registration.pk, **{f"{field}__isnull": True}
        ).update(**{field: timezone.now()})
        if claimed:
            audit(actor=None, action="ai.activation.reminded", obj=registration, note=field)
            email_on_commit("reminder", registration)
        return


@transaction.atomic
def _end_wait(client_id: int, errors: list[UrssafErrorDetail]) -> str:
    """Fail a registration that will not become active: to the client's status and the triage."""
    client = Client.objects.select_for_update().get(pk=client_id)
    if client.ai_status != AIStatus.AWAITING_ACTIVATION:
        return client.ai_status
    codes = [error.code for error in errors]
    now = timezone.now()
    registration = _latest_sent(client)
    if registration is not None:
        registration.open_triage(errors, now)
        registration.save()
        audit(actor=None, action="ai.activation.failed", obj=registration, note=", ".join(codes))
        notify_failure(registration)
    fail_client(client, codes, action="ai.activation.failed", now=now)
    logger.info("AI registration of client %s ended without activation: %s", client.pk, codes)
    return client.ai_status


def _latest_sent(client: Client) -> AIRegistration | None:
    return (
        AIRegistration.objects.select_for_update()
        .filter(client=client, state=AIRegistrationState.SENT)
        .order_by("-sent_at", "-pk")
        .first()
    )


def ai_registrations_requeue_stuck() -> list[int]:
    """Send again the attempts whose task died: claimed long ago, or pending past every retry.

    Returns their ids. The send claims each attempt, so one already moving is left alone.
    """
    now = timezone.now()
    stuck = list(
        AIRegistration.objects.filter(
            Q(state=AIRegistrationState.CLAIMED, claimed_at__lt=now - STALE_CLAIM)
            | Q(state=AIRegistrationState.PENDING, created_at__lt=now - LOST_PENDING)
        ).values_list("pk", flat=True)
    )
    for registration_id in stuck:
        logger.warning("AI registration %s looks stuck: sending it again", registration_id)
        tasks.send_ai_registration.delay(registration_id)
    return stuck


@transaction.atomic
def ai_triage_mark(
    *, registration: AIRegistration, state: TriageState, note: str, by: User
) -> AIRegistration:
    """Record the staff's follow-up of a registration in triage: contacted, resolved, ineligible.

    The note is added to the previous ones with the date and the author. "Ineligible" also sets
    the client's AI status. Returns the attempt; raises ValidationError when it is not in
    triage any more or the state is not one of those three.
    """
    validate_staff_note(note)
    registration = AIRegistration.objects.select_for_update().get(pk=registration.pk)
    if state not in TRIAGE_TARGETS:
        raise ValidationError("Suivi inconnu.")
    if not registration.is_in_triage:
        raise ValidationError("Cette inscription n'est plus à traiter.")
    old = registration.triage_state
    registration.close_triage(state=state, by=by, now=timezone.now(), note=note)
    registration.full_clean()
    registration.save()
    audit(
        actor=by,
        action=f"ai.triage.{state}",
        obj=registration,
        changes={"triage_state": [old, str(state)]},
        note=note.strip(),
    )
    if state == TriageState.INELIGIBLE:
        client = Client.objects.select_for_update().get(pk=registration.client_id)
        set_ai_status(
            client,
            AIStatus.INELIGIBLE,
            by=by,
            action="ai.client.ineligible",
            ai_status_note=note.strip() or "Marqué non éligible par la coopérative.",
        )
    return registration
