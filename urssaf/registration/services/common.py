"""Steps shared by the registration and its follow-up: status changes, triage, e-mails."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit
from clients.models import AIStatus, Client, User
from invoices.services.mandates import mandates_flag_to_stop

from ... import tasks
from ...payloads import ClientStatus
from .. import triage_table
from ..models import AIRegistration, AIRegistrationState


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
    """Record that URSSAF reports the link active, from the day it gives, and tell the client.

    From then on URSSAF debits the client's share: the mandates the cooperative holds for
    them are flagged to stop (no double debit), for the staff to confirm in the admin.
    """
    since = status.active_since
    set_ai_status(
        client,
        AIStatus.ACTIVE,
        by=None,
        action="ai.activation.active",
        urssaf_id_client=status.id_client or client.urssaf_id_client,
        ai_activated_on=timezone.localdate(since) if since else timezone.localdate(),
        # To the minute when URSSAF gives the time (API.md §0.2), else unknown: the day counts.
        ai_activated_at=since if status.gives_activation_time else None,
        ai_status_note="",
    )
    mandates_flag_to_stop(client=client)
    latest = client.ai_registrations.filter(state=AIRegistrationState.SENT).first()
    if latest is not None:
        email_on_commit("active", latest)


def fail_client(client: Client, codes: list[str], *, action: str, now: datetime) -> None:
    """Set the client's AI status to failed, with each code and what it means."""
    set_ai_status(
        client,
        AIStatus.FAILED,
        by=None,
        action=action,
        ai_failed_at=now,
        ai_status_note=triage_table.TABLE.failure_note(codes),
    )


def notify_failure(registration: AIRegistration) -> None:
    """Tell the client what to check, unless the cooperative fixes it alone (URSSAF down)."""
    # Called once the failure is triaged: the registration has its bucket.
    if registration.bucket_advice.notify_client:  # type: ignore[union-attr]
        email_on_commit("failed", registration)


def email_on_commit(kind: str, registration: AIRegistration) -> None:
    """Send an avance immédiate e-mail (sent, reminder, failed, active) once committed."""
    registration_id = registration.pk
    transaction.on_commit(lambda: tasks.send_ai_email.delay(kind, registration_id))


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
