"""Registering a client for the avance immédiate: checks, one attempt per send, URSSAF's answer.

An attempt (`AIRegistration`) is created pending and sent by a Celery task after the commit. The
task claims it with a conditional update, so a duplicated or redelivered task never sends twice;
a transient failure releases the claim for the task's retry; URSSAF's answer, success or every
error code, is recorded on the attempt and the client's AI status, with an audit entry each time.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import audit
from clients.models import AIStatus, Client, User
from clients.services import client_update

from ... import api, tasks
from ...backoff import STALE_CLAIM
from ...exceptions import PermanentUrssafError, TransientUrssafError, UrssafErrorDetail
from ...nomenclature import ClientLinkStatus
from ...payloads import ClientStatus
from ...triage.models import OPEN_TRIAGE_STATES, TriageState
from .. import triage_table
from ..models import AIOrigin, AIRegistration, AIRegistrationState
from ..particulier import build_particulier, summary
from ..rules import START_REFUSED, STARTABLE, eligibility_errors
from .common import email_on_commit, fail_client, mark_active, notify_failure, set_ai_status

logger = logging.getLogger(__name__)
LINKED_CODES = (ClientLinkStatus.PENDING, ClientLinkStatus.ACTIVE)


# --- preparing and starting -------------------------------------------------------------------


def ai_client_prepare(*, client: Client, data: Mapping[str, Any], by: User) -> Client:
    """Store the identity, contact and bank details typed in the registration form.

    Returns the saved client. Raises ValidationError (French messages) as `client_update`
    does, which audits what changed (bank details masked).
    """
    return client_update(client=client, data=data, by=by, action="ai.client.prepared")


@transaction.atomic
def ai_registration_start(
    *, client: Client, by: User | None, origin: AIOrigin, known_elsewhere: bool = False
) -> AIRegistration:
    """Check the client can register, create a pending attempt and send it after the commit.

    Returns the attempt. Raises ValidationError (French messages, per field when they concern
    one) when the client is already registered or in progress, or not eligible.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    _check_startable(client, by)
    particulier = build_particulier(client)
    _supersede_previous(client, by)
    registration = AIRegistration(
        client=client,
        started_by=by,
        origin=origin,
        known_elsewhere=known_elsewhere,
        request_summary=summary(particulier),
    )
    registration.full_clean()
    registration.save()
    set_ai_status(
        client,
        AIStatus.SENT,
        by=by,
        action="ai.registration.started",
        ai_sent_at=timezone.now(),
        ai_status_note="",
    )
    transaction.on_commit(lambda: tasks.send_ai_registration.delay(registration.pk))
    logger.info("AI registration %s queued for client %s", registration.pk, client.pk)
    return registration


def _check_startable(client: Client, by: User | None) -> None:
    staff_override = by is not None and by.is_cooperative_staff
    allowed = (*STARTABLE, AIStatus.INELIGIBLE) if staff_override else STARTABLE
    if client.ai_status not in allowed:
        raise ValidationError(START_REFUSED[client.ai_status])
    errors = eligibility_errors(client, timezone.localdate())
    if errors:
        raise ValidationError(errors)


def _supersede_previous(client: Client, by: User | None) -> None:
    """Close the triage of older attempts: the new one carries the case from now on."""
    now = timezone.now()
    older = AIRegistration.objects.select_for_update().filter(client=client)
    for registration in older.filter(triage_state__in=OPEN_TRIAGE_STATES):
        audit(
            actor=by,
            action="ai.triage.superseded",
            obj=registration,
            changes={"triage_state": [registration.triage_state, TriageState.RESOLVED]},
            note="Remplacée par une nouvelle tentative d'inscription.",
        )
    older.filter(triage_state__in=OPEN_TRIAGE_STATES).update(
        triage_state=TriageState.RESOLVED, triaged_by=by, triaged_at=now
    )
    older.filter(state=AIRegistrationState.FAILED).update(state=AIRegistrationState.SUPERSEDED)


def ai_registrations_start_many(
    *, clients: Iterable[Client], by: User, origin: AIOrigin
) -> tuple[list[AIRegistration], dict[Client, list[str]]]:
    """Start one registration per client, each in its own transaction.

    Returns the attempts started and, per client refused, the French reasons.
    """
    started, refused = [], {}
    for client in clients:
        try:
            started.append(ai_registration_start(client=client, by=by, origin=origin))
        except ValidationError as exc:
            refused[client] = exc.messages
    return started, refused


def ai_registration_resend(*, registration: AIRegistration, by: User) -> AIRegistration:
    """Send a client's registration again as a new attempt (after a correction, or URSSAF down).

    Returns the new attempt; the given one keeps its answer and leaves the triage queue.
    Raises ValidationError like `ai_registration_start`.
    """
    return ai_registration_start(
        client=registration.client,
        by=by,
        origin=AIOrigin.STAFF,
        known_elsewhere=registration.known_elsewhere,
    )


def ai_registrations_retry(
    *, registrations: Iterable[AIRegistration], by: User
) -> tuple[list[AIRegistration], list[AIRegistration]]:
    """Resend the attempts of the "URSSAF unavailable" bucket still in triage.

    Returns the new attempts and the given ones that were skipped (other bucket, settled,
    or refused by the checks).
    """
    resent, skipped = [], []
    for registration in registrations:
        if (
            registration.triage_bucket != triage_table.RegistrationBucket.RETRY
            or not registration.is_in_triage
        ):
            skipped.append(registration)
            continue
        try:
            resent.append(ai_registration_resend(registration=registration, by=by))
        except ValidationError:
            skipped.append(registration)
    return resent, skipped


# --- sending (the task) -----------------------------------------------------------------------


def ai_registration_send(*, registration_id: int) -> AIRegistration | None:
    """Send one pending attempt to URSSAF and record the answer.

    Returns the attempt, or None when it was not pending (already sent, or another worker holds
    it). Raises TransientUrssafError, after releasing the attempt, for the task to retry.
    """
    registration = _claim(registration_id)
    if registration is None:
        logger.info("AI registration %s not pending any more: nothing sent", registration_id)
        return None
    try:
        status = _register(registration)
    except TransientUrssafError:
        _release(registration_id)
        raise
    except PermanentUrssafError as exc:
        return _record_failure(registration_id, list(exc.errors) or [_detail_of(exc)])
    except ValidationError as exc:
        # The record changed since the start into something URSSAF would refuse: not sent.
        checks = [UrssafErrorDetail(triage_table.PORTAL_CHECK, message) for message in exc.messages]
        return _record_failure(registration_id, checks)
    return _record_success(registration_id, status)


def _claim(registration_id: int) -> AIRegistration | None:
    now = timezone.now()
    claimable = Q(state=AIRegistrationState.PENDING) | Q(
        state=AIRegistrationState.CLAIMED, claimed_at__lt=now - STALE_CLAIM
    )
    claimed = (
        AIRegistration.objects.filter(claimable, pk=registration_id).update(
            state=AIRegistrationState.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )
    if not claimed:
        return None
    return AIRegistration.objects.select_related("client").get(pk=registration_id)


def _release(registration_id: int) -> None:
    AIRegistration.objects.filter(pk=registration_id, state=AIRegistrationState.CLAIMED).update(
        state=AIRegistrationState.PENDING, claimed_at=None
    )


def _register(registration: AIRegistration) -> ClientStatus:
    """Call URSSAF: POST /particulier, unless a previous try already got through."""
    client = registration.client
    if registration.attempts > 1:
        # An earlier try may have reached URSSAF before its answer was lost (timeout, crash).
        existing = _linked_status(client)
        if existing is not None:
            return existing
    particulier = build_particulier(client)
    AIRegistration.objects.filter(pk=registration.pk).update(request_summary=summary(particulier))
    try:
        id_client = api.register_client(particulier)
    except PermanentUrssafError as exc:
        # Registered with us already (pending or active): URSSAF says so instead of answering.
        existing = _linked_status(client) if exc.has_code(triage_table.ALREADY_LINKED) else None
        if existing is None:
            raise
        return existing
    return ClientStatus(
        id_client=id_client, code=ClientLinkStatus.PENDING, state="", description=""
    )


def _linked_status(client: Client) -> ClientStatus | None:
    """Return the cooperative's pending or active link with this client at URSSAF, or None."""
    try:
        status = api.get_client_status(email=client.email)
    except PermanentUrssafError:
        return None
    return status if status.code in LINKED_CODES and status.id_client else None


def _detail_of(exc: PermanentUrssafError) -> UrssafErrorDetail:
    # A 4xx with an empty body "despite the spec" (API.md §3.3): keep what we know.
    return UrssafErrorDetail(code="INCONNU", message=str(exc))


@transaction.atomic
def _record_success(registration_id: int, status: ClientStatus) -> AIRegistration:
    registration = AIRegistration.objects.select_for_update().get(pk=registration_id)
    client = Client.objects.select_for_update().get(pk=registration.client_id)
    taken = Client.objects.filter(urssaf_id_client=status.id_client).exclude(pk=client.pk)
    if taken.exists():
        detail = UrssafErrorDetail(
            code=triage_table.DUPLICATE_ID_CLIENT,
            # taken.exists() just said there is one.
            message=f"idClient déjà attribué à la fiche de {taken.first().full_name}",  # type: ignore[union-attr]
        )
        return _record_failure(registration_id, [detail])
    now = timezone.now()
    registration.state = AIRegistrationState.SENT
    registration.sent_at = now
    registration.id_client = status.id_client
    registration.save(update_fields=["state", "sent_at", "id_client"])
    audit(actor=None, action="ai.registration.sent", obj=registration, note=status.code)
    if status.is_active:
        mark_active(client, status)
    else:
        set_ai_status(
            client,
            AIStatus.AWAITING_ACTIVATION,
            by=None,
            action="ai.registration.accepted",
            urssaf_id_client=status.id_client,
            ai_awaiting_since=now,
        )
        email_on_commit("sent", registration)
    logger.info("AI registration %s accepted by URSSAF", registration.pk)
    return registration


@transaction.atomic
def _record_failure(registration_id: int, errors: list[UrssafErrorDetail]) -> AIRegistration:
    registration = AIRegistration.objects.select_for_update().get(pk=registration_id)
    client = Client.objects.select_for_update().get(pk=registration.client_id)
    now = timezone.now()
    registration.state = AIRegistrationState.FAILED
    codes = registration.open_triage(errors, now)
    registration.save()
    audit(actor=None, action="ai.registration.failed", obj=registration, note=", ".join(codes))
    fail_client(client, codes, action="ai.registration.failed", now=now)
    notify_failure(registration)
    logger.info("AI registration %s failed: %s", registration.pk, codes)
    return registration


def ai_registration_give_up(
    *, registration_id: int, error: TransientUrssafError
) -> AIRegistration | None:
    """Stop retrying an attempt URSSAF never answered: it goes to the "retry" triage bucket.

    Returns the failed attempt, or None when it was not waiting for a retry any more.
    """
    unavailable = UrssafErrorDetail(code=triage_table.URSSAF_UNAVAILABLE, message=str(error)[:500])
    # Claimed like a send, so a late duplicate task cannot send it while it is being closed.
    claimed = AIRegistration.objects.filter(
        pk=registration_id, state=AIRegistrationState.PENDING
    ).update(state=AIRegistrationState.CLAIMED, claimed_at=timezone.now())
    if not claimed:
        return None
    return _record_failure(registration_id, [unavailable, *error.errors])
