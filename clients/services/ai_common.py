"""Steps shared by the registration and its follow-up: status changes, triage, e-mails."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from urssaf.exceptions import UrssafErrorDetail
from urssaf.payloads import ClientStatus

from .. import ai_triage, tasks
from ..audit import audit
from ..models import AIRegistration, AIRegistrationState, AIStatus, Client, TriageState, User

# Longer than CELERY_TASK_TIME_LIMIT (180 s): a claim this old belongs to a dead worker.
STALE_CLAIM = timedelta(minutes=10)


def set_ai_status(
    client: Client, status: AIStatus, *, by: User | None, action: str, **fields: Any
) -> None:
    """Change the client's AI status and step dates, and record it in the audit trail.

    Only these fields are validated and saved: a provider editing the address at the same
    moment keeps their change, and an old record's unrelated flaw cannot block the status.
    """
    old = client.ai_status
    client.ai_status = status
    changes: dict[str, list[Any]] = {"ai_status": [old, str(status)]}
    for field, value in fields.items():
        before = getattr(client, field)
        setattr(client, field, value)
        if before != value:
            changes[field] = [_json(before), _json(value)]
    updated = ["ai_status", *fields]
    client.full_clean(exclude=[f.name for f in Client._meta.fields if f.name not in updated])
    client.save(update_fields=updated)
    audit(actor=by, action=action, obj=client, changes=changes)


def mark_active(client: Client, status: ClientStatus) -> None:
    """Record that URSSAF reports the link active, from the day it gives, and tell the client."""
    since = status.active_since
    set_ai_status(
        client,
        AIStatus.ACTIVE,
        by=None,
        action="ai.activation.active",
        urssaf_id_client=status.id_client or client.urssaf_id_client,
        ai_activated_on=timezone.localdate(since) if since else timezone.localdate(),
        ai_status_note="",
    )
    latest = client.ai_registrations.filter(state=AIRegistrationState.SENT).first()
    if latest is not None:
        email_on_commit("active", latest)


def open_triage(
    registration: AIRegistration, errors: list[UrssafErrorDetail], now: datetime
) -> list[str]:
    """Add URSSAF's errors to the attempt and put it in its triage bucket; return the codes."""
    registration.errors = [*registration.errors, *(error_dict(error) for error in errors)]
    codes = [error.code for error in errors]
    registration.triage_bucket = ai_triage.bucket_for(codes)
    registration.triage_state = TriageState.OPEN
    registration.triage_since = now
    return codes


def error_dict(error: UrssafErrorDetail) -> dict[str, str]:
    return {"code": error.code, "message": error.message, "description": error.description}


def failure_note(codes: list[str]) -> str:
    """Return the French reason stored on the client: each code and what it means."""
    return "\n".join(f"{code} : {advice.explanation}" for code, advice in ai_triage.explain(codes))


def notify_failure(registration: AIRegistration) -> None:
    """Tell the client what to check, unless the cooperative fixes it alone (URSSAF down)."""
    if ai_triage.BUCKETS[registration.triage_bucket].notify_client:
        email_on_commit("failed", registration)


def email_on_commit(kind: str, registration: AIRegistration) -> None:
    """Send an avance immédiate e-mail (sent, reminder, failed, active) once committed."""
    transaction.on_commit(lambda: tasks.send_ai_email.delay(kind, registration.pk))


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
