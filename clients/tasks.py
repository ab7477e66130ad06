"""Celery tasks for the accounts: links and notices e-mailed to clients, one service call each.

A mail transport error is retried.
"""

import datetime as dt

from celery import shared_task

from . import services


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
