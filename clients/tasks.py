"""Celery tasks for the avance immédiate registration and the accounts: one service call each."""

import datetime as dt
import logging
import random

from celery import shared_task

from urssaf.exceptions import TransientUrssafError

from . import ai_emails, services

logger = logging.getLogger(__name__)

# Exponential backoff: 30 s, 1, 2, 4, 8, 15 min (about half an hour in all), each with up to
# half of it as jitter so a URSSAF outage does not bring every retry back at the same second.
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 15 * 60
SEND_MAX_RETRIES = 6
POLL_MAX_RETRIES = 3


def retry_delay(retries: int, retry_after: float | None) -> float:
    """Return the seconds before the next try: the backoff with jitter, or URSSAF's Retry-After."""
    backoff = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    jittered = backoff * (0.5 + random.random() / 2)  # noqa: S311 (spreading, not security)
    return max(jittered, retry_after or 0)


@shared_task(bind=True, max_retries=SEND_MAX_RETRIES)
def send_ai_registration(self, registration_id: int) -> None:
    """Send one registration attempt; retry while URSSAF is unavailable, then hand to triage."""
    # Celery's autoretry_for cannot honour a per-error Retry-After: retry by hand instead.
    try:
        services.ai_registration_send(registration_id=registration_id)
    except TransientUrssafError as exc:
        if self.request.retries >= self.max_retries:
            logger.warning("AI registration %s: URSSAF unavailable, giving up", registration_id)
            services.ai_registration_give_up(registration_id=registration_id, error=exc)
            return
        raise self.retry(
            exc=exc, countdown=retry_delay(self.request.retries, exc.retry_after)
        ) from exc


@shared_task(bind=True, max_retries=POLL_MAX_RETRIES)
def poll_ai_activation(self, client_id: int) -> None:
    """Ask URSSAF whether one client activated their account (and remind or expire)."""
    try:
        services.ai_activation_poll(client_id=client_id)
    except TransientUrssafError as exc:
        if self.request.retries >= self.max_retries:
            # The next periodic round asks again; nothing is lost by stopping here.
            logger.warning("Activation check of client %s postponed: URSSAF unavailable", client_id)
            return
        raise self.retry(
            exc=exc, countdown=retry_delay(self.request.retries, exc.retry_after)
        ) from exc


@shared_task
def follow_ai_registrations() -> int:
    """Periodic: check every pending activation and resend attempts whose task died."""
    return services.ai_registrations_follow_up()


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_ai_email(kind: str, registration_id: int) -> None:
    """Send the client one avance immédiate e-mail about this attempt."""
    ai_emails.send_ai_email(kind=kind, registration_id=registration_id)


# --- accounts: links and notices sent to clients (a mail error is retried) -------------------


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_account_link(number: str, issued_on: str) -> None:
    """Self-registration: e-mail the client of this document the link to open their account."""
    services.account_link_send(number=number, issued_on=dt.date.fromisoformat(issued_on))


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_account_opened(client_id: int) -> None:
    """Tell the client their portal account was just opened."""
    services.account_opened_notify(client_id=client_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_email_changed(client_id: int, old: str, new: str, actor_id: int | None) -> None:
    """Tell the client, at both addresses, that the e-mail on their record changed."""
    services.email_change_notify(client_id=client_id, old=old, new=new, actor_id=actor_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_link_request(request_id: int) -> None:
    """Ask the client whether a provider may join their record."""
    services.link_request_send(request_id=request_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_password_reset(email: str) -> None:
    """E-mail a password-reset link to the account with this address, if there is one."""
    services.password_reset_send(email=email)
