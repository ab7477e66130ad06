"""The audit trail: one call per status change or staff action, from the services."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Record that `actor` (None for the system) did `action` on `obj`; return the entry.

    `changes` maps a field to its [old, new] values; keep secrets (IBAN, tokens) out of it.
    """
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        note=note,
    )


def audit_many(rows: Iterable[tuple[models.Model, str, dict]]) -> list[AuditEntry]:
    """Record, in one INSERT, what the system did to many records: (obj, action, changes) each.

    Returns the entries; the same as calling `audit(actor=None, ...)` once per row.
    """
    entries = [
        AuditEntry(
            actor=None,
            action=action,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes=changes,
        )
        for obj, action, changes in rows
    ]
    return AuditEntry.objects.bulk_create(entries)


def audit_trail(obj: models.Model):
    """Return the entries about `obj`, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
