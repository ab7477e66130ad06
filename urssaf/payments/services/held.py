"""Payment requests held for want of a financial guarantee, and their release.

A request that needs a guarantee (urssaf/guarantee/rules.py) while none is in force is held,
never sent: on creation, or when a worker claims it (a guarantee may have ended in between). It
waits in the "garantie financière" triage bucket. When a valid guarantee is recorded (or one
recorded in advance starts), the release puts every held request back in the queue with one
conditional UPDATE per request (`WHERE state = 'held'`): two releases running together move
each request once, and the sending that follows claims it once.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoices.models import Invoice

from ... import tasks
from ...exceptions import UrssafErrorDetail
from ...guarantee import rules
from ...triage.models import OPEN_TRIAGE_STATES, TriageState
from .. import triage_table
from ..models import EventKind, PaymentRequest, RequestState
from .common import audit_request, record_event

logger = logging.getLogger(__name__)

REASON_CODES = {
    rules.DEPOSIT: triage_table.GUARANTEE_DEPOSIT,
    rules.OVER_THRESHOLD: triage_table.GUARANTEE_THRESHOLD,
}
HOLD_MESSAGE = "Retenue, non envoyée : garantie financière requise et absente."
RELEASE_MESSAGE = "Garantie financière en cours de validité : demande remise dans la file d'envoi."


def hold_error(invoice: Invoice, day) -> UrssafErrorDetail | None:
    """Return the triage error that holds this invoice's request on `day`, None to send it."""
    reason = rules.hold_reason(invoice, day)
    if not reason:
        return None
    code = REASON_CODES[reason]
    return UrssafErrorDetail(code=code, message=triage_table.TABLE.advice_for(code).explanation)


def hold(request: PaymentRequest, error: UrssafErrorDetail, now: datetime) -> None:
    """Put a request (locked or just created, by the caller) on hold and save it."""
    request.state = RequestState.HELD
    request.claim_token = None
    request.claimed_at = None
    request.retry_at = None
    request.open_triage([error], now)
    request.save()
    record_event(request, EventKind.HELD, now, f"{HOLD_MESSAGE} ({error.code})")
    audit_request(request, "urssaf.payment_request.held", note=error.code)
    logger.info("Payment request %s held: %s", request.pk, error.code)


def _releasable(guarantee_changed_at: datetime) -> Q:
    """Held by the portal, or refused by URSSAF for the guarantee before the guarantee was last
    recorded or changed (sending again with nothing new would be refused again, every hour)."""
    refused_for_guarantee = Q(
        state=RequestState.FAILED,
        triage_bucket=triage_table.PaymentBucket.GUARANTEE,
        triage_state__in=OPEN_TRIAGE_STATES,
        triage_since__lt=guarantee_changed_at,
    )
    return Q(state=RequestState.HELD) | refused_for_guarantee


def payment_requests_release_held(*, now: datetime | None = None) -> int:
    """Queue again every held request that may now be sent; return how many were released.

    Does nothing while no guarantee is in force. Safe to run twice or concurrently: a
    request moves once. The sending is enqueued after the commit.
    """
    now = now or timezone.now()
    changed_at = rules.valid_guarantee_changed_at(timezone.localdate(now))
    if changed_at is None:
        return 0
    releasable = _releasable(changed_at)
    released = 0
    for pk in (
        PaymentRequest.objects.filter(releasable)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    ):
        released += _release_one(pk, releasable, now)
    if released:
        logger.info("%s held payment request(s) released", released)
        # One sending for all of them, once committed (the task claims every ready request).
        transaction.on_commit(lambda: tasks.submit_payment_requests.delay())
    return released


@transaction.atomic
def _release_one(pk: int, releasable: Q, now: datetime) -> int:
    request = (
        PaymentRequest.objects.select_for_update(skip_locked=True).filter(releasable, pk=pk).first()
    )
    if request is None:  # released meanwhile by another run, or being handled
        return 0
    request.state = RequestState.PENDING
    request.retry_at = None
    request.triage_state = TriageState.RESOLVED
    request.triaged_at = now
    request.triaged_by = None
    request.save()
    record_event(request, EventKind.RELEASED, now, RELEASE_MESSAGE)
    audit_request(request, "urssaf.payment_request.released")
    return 1
