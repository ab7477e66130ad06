"""Celery tasks for payment requests: thin, one service call each, safe to run twice."""

import logging

from celery import shared_task

from .backoff import retry_delay
from .exceptions import TransientUrssafError

logger = logging.getLogger(__name__)
# The services enqueue these tasks, so each task imports the services when it runs.

# Retries follow urssaf/backoff.py. Past them, the periodic resume picks up whatever is still
# pending once its own retry time has come, and a request claimed too often goes to triage.
SUBMIT_MAX_RETRIES = 6


@shared_task(bind=True, max_retries=SUBMIT_MAX_RETRIES)
def submit_payment_requests(self, request_id: int | None = None) -> int:
    """Send every ready payment request, 10 per call (the one that enqueued this included)."""
    from . import services

    try:
        return services.payment_requests_submit_ready()
    except TransientUrssafError as exc:
        if self.request.retries >= self.max_retries:
            logger.warning("Payment requests not sent, URSSAF unavailable (request %s)", request_id)
            return 0
        # The released requests wait out their own backoff (retry_at): a retry that comes
        # earlier finds nothing to claim, and the periodic resume sends them when due.
        countdown = retry_delay(self.request.retries, exc.retry_after)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def poll_payment_requests() -> int:
    """Periodic: search the status of every request due for polling; return the calls made."""
    from . import services

    return services.payment_requests_poll().calls


@shared_task
def resume_payment_requests() -> int:
    """Periodic: enqueue the sending of requests left pending or claimed by a dead worker."""
    from . import services

    return services.payment_requests_resume()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_payment_email(kind: str, request_id: int) -> None:
    """Send one payment-request e-mail (to the client or the provider)."""
    from . import emails

    emails.send_payment_email(kind=kind, request_id=request_id)
