"""Celery tasks for URSSAF: thin, ids in, one service call each, safe to run twice.

The services enqueue these tasks, so each task imports its services when it runs. Retries
follow urssaf/backoff.py (URSSAF's Retry-After included): Celery's autoretry_for cannot honour
a per-error Retry-After, so the sending tasks retry by hand.
"""

import logging

from celery import shared_task

from .backoff import retry_delay
from .exceptions import TransientUrssafError

logger = logging.getLogger(__name__)

# About half an hour of retries in all (30 s, 1, 2, 4, 8, 15 min).
SEND_MAX_RETRIES = 6
POLL_MAX_RETRIES = 3


def _retry(task, exc: TransientUrssafError):
    """Return the Retry to raise: after the backoff, or what URSSAF asked for."""
    return task.retry(exc=exc, countdown=retry_delay(task.request.retries, exc.retry_after))


def _out_of_retries(task) -> bool:
    return task.request.retries >= task.max_retries


# --- registration -----------------------------------------------------------------------------


@shared_task(bind=True, max_retries=SEND_MAX_RETRIES)
def send_ai_registration(self, registration_id: int) -> None:
    """Send one registration attempt; retry while URSSAF is unavailable, then hand to triage."""
    from .registration import services

    try:
        services.ai_registration_send(registration_id=registration_id)
    except TransientUrssafError as exc:
        if _out_of_retries(self):
            logger.warning("AI registration %s: URSSAF unavailable, giving up", registration_id)
            services.ai_registration_give_up(registration_id=registration_id, error=exc)
            return
        raise _retry(self, exc) from exc


@shared_task(bind=True, max_retries=POLL_MAX_RETRIES)
def poll_ai_activation(self, client_id: int) -> None:
    """Ask URSSAF whether one client activated their account (and remind or expire)."""
    from .registration import services

    try:
        services.ai_activation_poll(client_id=client_id)
    except TransientUrssafError as exc:
        if _out_of_retries(self):
            # The next periodic round asks again; nothing is lost by stopping here.
            logger.warning("Activation check of client %s postponed: URSSAF unavailable", client_id)
            return
        raise _retry(self, exc) from exc


@shared_task
def follow_ai_registrations() -> int:
    """Periodic: check every pending activation and resend attempts whose task died."""
    from .registration import services

    return services.ai_registrations_follow_up()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_ai_email(kind: str, registration_id: int) -> None:
    """Send the client one avance immédiate e-mail about this attempt."""
    from .registration import emails

    emails.send_ai_email(kind=kind, registration_id=registration_id)


# --- payment requests -------------------------------------------------------------------------


@shared_task(bind=True, max_retries=SEND_MAX_RETRIES)
def submit_payment_requests(self, request_id: int | None = None) -> int:
    """Send every ready payment request, 10 per call (the one that enqueued this included)."""
    from .payments import services

    try:
        return services.payment_requests_submit_ready()
    except TransientUrssafError as exc:
        if _out_of_retries(self):
            # Past the retries, the periodic resume picks up whatever is still pending once
            # its own retry time has come, and a request claimed too often goes to triage.
            logger.warning("Payment requests not sent, URSSAF unavailable (request %s)", request_id)
            return 0
        # The released requests wait out their own backoff (retry_at): a retry that comes
        # earlier finds nothing to claim, and the periodic resume sends them when due.
        raise _retry(self, exc) from exc


@shared_task
def poll_payment_requests() -> int:
    """Periodic: search the status of every request due for polling; return the calls made."""
    from .payments import services

    return services.payment_requests_poll().calls


@shared_task
def resume_payment_requests() -> int:
    """Periodic: enqueue the sending of requests left pending or claimed by a dead worker."""
    from .payments import services

    return services.payment_requests_resume()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_payment_email(kind: str, request_id: int) -> None:
    """Send one payment-request e-mail (to the client or the provider)."""
    from .payments import emails

    emails.send_payment_email(kind=kind, request_id=request_id)


# --- evidence packs ---------------------------------------------------------------------------


@shared_task
def build_evidence_pack(pack_id: int) -> None:
    """Build one evidence pack's ZIP (a pack already taken is left alone)."""
    from .evidence import services

    services.evidence_pack_build(pack_id=pack_id)


# --- financial guarantee ----------------------------------------------------------------------


@shared_task
def release_held_payment_requests() -> int:
    """Queue again the payment requests held for want of a guarantee, now that one is valid."""
    from .payments.services.held import payment_requests_release_held

    return payment_requests_release_held()


@shared_task
def follow_guarantee() -> dict[str, int]:
    """Periodic: release held requests, remind before a guarantee ends, alert on the threshold."""
    from .guarantee import services

    return services.guarantee_follow_up()
