"""Steps shared by the payment-request services: events, audit entries, triage, e-mails."""

from datetime import datetime
from typing import Any

from django.db import transaction

from audit.services import audit, audit_many
from clients.models import User

from ... import tasks
from ...exceptions import UrssafErrorDetail
from ..models import EventKind, PaymentRequest, PaymentRequestEvent


def new_event(
    request: PaymentRequest, kind: EventKind, at: datetime, message: str = "", **fields: Any
) -> PaymentRequestEvent:
    """Return an unsaved history event (the poller saves them in bulk)."""
    return PaymentRequestEvent(request=request, kind=kind, at=at, message=message, **fields)


def record_event(
    request: PaymentRequest, kind: EventKind, at: datetime, message: str = "", **fields: Any
) -> PaymentRequestEvent:
    """Append one event to the request's history and return it."""
    event = new_event(request, kind, at, message, **fields)
    event.save()
    return event


def audit_request(
    request: PaymentRequest,
    action: str,
    *,
    by: User | None = None,
    changes: dict | None = None,
    note: str = "",
) -> None:
    """Record a status change or a staff action on the request in the audit trail."""
    audit(actor=by, action=action, obj=request, changes=changes, note=note)


def audit_bulk(rows: list[tuple[PaymentRequest, str, dict]]) -> None:
    """Write, in one INSERT, the audit entries `audit()` would write one by one (the poller)."""
    audit_many(rows)


def triage_now(request: PaymentRequest, errors: list[UrssafErrorDetail], now: datetime) -> None:
    """Put a request in the triage bucket its errors call for, and save that alone."""
    request.open_triage(errors, now)
    request.save(update_fields=PaymentRequest.TRIAGE_FIELDS)
    note = ", ".join(error.code for error in errors)
    audit_request(request, "urssaf.payment_request.triage", note=note)


def email_on_commit(kind: str, request: PaymentRequest) -> None:
    """Send a payment-request e-mail (see urssaf/payments/emails.py) once committed."""
    request_id = request.pk
    transaction.on_commit(lambda: tasks.send_payment_email.delay(kind, request_id))


def submit_on_commit(request: PaymentRequest) -> None:
    """Enqueue the submission once the request is committed (the task claims it then)."""
    request_id = request.pk
    transaction.on_commit(lambda: tasks.submit_payment_requests.delay(request_id))
