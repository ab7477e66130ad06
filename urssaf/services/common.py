"""Steps shared by the payment-request services: events, audit entries, triage, e-mails."""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from clients.audit import audit
from clients.models import AuditEntry, User
from urssaf.exceptions import UrssafErrorDetail

from .. import tasks, triage
from ..models import EventKind, PaymentRequest, PaymentRequestEvent, TriageState


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
    content_type = ContentType.objects.get_for_model(PaymentRequest)
    entries = [
        AuditEntry(
            actor=None,
            action=action,
            content_type=content_type,
            object_id=str(request.pk),
            object_repr=str(request)[:200],
            changes=changes,
        )
        for request, action, changes in rows
    ]
    AuditEntry.objects.bulk_create(entries)


def error_dict(error: UrssafErrorDetail, at: datetime) -> dict[str, str]:
    return {
        "code": error.code,
        "message": error.message,
        "description": error.description,
        "at": at.isoformat(),
    }


def open_triage(request: PaymentRequest, errors: list[UrssafErrorDetail], now: datetime) -> None:
    """Add the errors to the request and put it in the bucket they call for (not saved)."""
    request.errors = [*request.errors, *(error_dict(error, now) for error in errors)]
    request.triage_bucket = triage.bucket_for([error.code for error in errors])
    request.triage_state = TriageState.OPEN
    request.triage_since = now
    request.triaged_by = None
    request.triaged_at = None


TRIAGE_FIELDS = [
    "errors",
    "triage_bucket",
    "triage_state",
    "triage_since",
    "triaged_by",
    "triaged_at",
]


def email_on_commit(kind: str, request: PaymentRequest) -> None:
    """Send a payment-request e-mail (see urssaf/emails.py) once committed."""
    request_id = request.pk
    transaction.on_commit(lambda: tasks.send_payment_email.delay(kind, request_id))


def submit_on_commit(request: PaymentRequest) -> None:
    """Enqueue the submission once the request is committed (the task claims it then)."""
    request_id = request.pk
    transaction.on_commit(lambda: tasks.submit_payment_requests.delay(request_id))
