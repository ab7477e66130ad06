"""The history of a client record, as its providers and the staff read it.

Built from the audit trail: who changed which field of the shared record, from what to what.
"""

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from audit.services import audit_trail

from .models import Client, User

# What the audit trail says about the record itself, and how each entry is titled.
RECORD_ACTIONS = {
    "client.created": "Fiche créée",
    "client.record.changed": "Fiche modifiée",
    "ai.client.prepared": "Fiche complétée pour l'avance immédiate",
    "client.providers.changed": "Prestataires modifiés",
    "client.link.accepted": "Prestataire rattaché, avec l'accord du client",
    "client.link.approved": "Prestataire rattaché par l'équipe",
    "client.account.created": "Espace client créé par le client",
}
# Other labels than the model's, or values the model does not hold.
FIELD_LABELS = {"providers": "prestataires", "user": "compte du portail"}
ENTRIES_SHOWN = 50


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    title: str
    by: str
    changes: list[Change]


def record_history(client: Client, *, limit: int = ENTRIES_SHOWN) -> list[HistoryEntry]:
    """Return the changes of the client's record, newest first."""
    entries = (
        audit_trail(client)
        .filter(action__in=RECORD_ACTIONS)
        .select_related("actor__provider")[:limit]
    )
    return [
        HistoryEntry(
            at=entry.created_at,
            title=RECORD_ACTIONS[entry.action],
            by=actor_label(entry.actor, client),
            changes=[_change(field, values) for field, values in entry.changes.items()],
        )
        for entry in entries
    ]


# Who acted on a client's record, worded for the staff or provider reading it, or for the client.
_ACTOR_WORDS = {
    False: ("le portail", "le client", "{}", "l'équipe de la coopérative"),
    True: (
        "la coopérative",
        "vous-même, depuis votre espace client",
        "{}, votre prestataire",
        "l'équipe de la coopérative",
    ),
}


def actor_label(actor: User | None, client: Client, *, to_client: bool = False) -> str:
    """Name who did it, for a provider or the staff reading the record, or for the client."""
    nobody, themself, provider, staff = _ACTOR_WORDS[to_client]
    if actor is None:
        return nobody
    if actor.pk == client.user_id:
        return themself
    if actor.is_provider:
        return provider.format(actor.provider.display_name)
    if actor.is_cooperative_staff or to_client:
        return staff
    return actor.email


def _change(field: str, values: list) -> Change:
    before, after = values
    return Change(_label(field), _shown(field, before), _shown(field, after))


def _label(field: str) -> str:
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    try:
        return str(_client_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _client_field(name: str) -> models.Field:
    # The audited names are the client's own columns, never relations seen from the other side.
    return cast(models.Field, Client._meta.get_field(name))


def _shown(field: str, value) -> str:
    if value in (None, ""):
        return "—"
    if value in ("True", "False"):
        return "oui" if value == "True" else "non"
    try:
        model_field = _client_field(field)
    except FieldDoesNotExist:
        return str(value)
    choices = dict(model_field.flatchoices)
    if value in choices:
        return str(choices[value])
    if model_field.get_internal_type() == "DateField":
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)
