"""The client record: created by a provider, updated by a provider, the client or the staff.

A record is shared by every provider of the client: each change is audited with its values
before and after (the other providers and the staff read them), and the client is told at the
old and the new address when their e-mail changes. A provider never learns from these screens
whether someone else already has a record: see `client_create_for_provider`.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction

from audit.services import audit

from .. import tasks
from ..encryption import is_sensitive
from ..models import Client, Cooperative, Provider, User
from ..validators import mask_iban
from .links import link_request_create

logger = logging.getLogger(__name__)
HIDDEN = "(masqué)"

# Shown masked in the audit trail: the trail is read by other providers.
MASKED_FIELDS = ("iban", "bic")


@transaction.atomic
def client_create_for_provider(
    *, provider: Provider, data: Mapping[str, Any]
) -> tuple[Client, bool]:
    """Create a client record for `provider` from `data` and return it with True.

    When the cooperative already has a record with that e-mail, the provider still gets a
    record of his own, made of what he typed, and the existing client is asked by e-mail to
    accept him on theirs (ClientLinkRequest): his screens are the same either way, so an
    e-mail (or a birth date) tried here tells nothing about anyone. A provider who already
    serves a client with that e-mail (a double submission) gets that record back, with False.
    Raises ValidationError (French messages) for invalid data.
    """
    # Lock the cooperative row so that two providers recording the same person at the same
    # moment both see the other's record, and ask to be linked to the first one.
    cooperative = Cooperative.objects.select_for_update().get()
    same_email = Client.objects.filter(cooperative=cooperative, email__iexact=data["email"])
    mine = same_email.filter(providers=provider).order_by("created_at").first()
    if mine is not None:
        return mine, False
    existing = same_email.order_by("created_at").first()
    client = Client(cooperative=cooperative, **data)
    client.full_clean()
    client.save()
    client.providers.add(provider)
    audit(actor=provider.user, action="client.created", obj=client)
    if existing is not None:
        link_request_create(client=existing, provider=provider, duplicate=client)
    logger.info("Provider %s created client %s", provider.pk, client.pk)
    return client, True


@transaction.atomic
def client_update(
    *,
    client: Client,
    data: Mapping[str, Any],
    by: User | None,
    action: str = "client.record.changed",
) -> Client:
    """Replace the client's fields in `data`, audit what changed, and return the saved client.

    `action` names the audit entry (the avance immédiate form uses its own). A changed e-mail
    is announced to the old and the new address once committed. Raises ValidationError
    (French messages) for invalid data; nothing is saved then.
    """
    # From the database: a bound ModelForm has already written the new values on `client`.
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = {field: getattr(client, field) for field in data}
    for field, value in data.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    changes = {
        field: printable_change(field, before[field], getattr(client, field))
        for field in data
        if before[field] != getattr(client, field)
    }
    if changes:
        audit(actor=by, action=action, obj=client, changes=changes)
    old_email = before.get("email")
    if old_email is not None and old_email.lower() != client.email.lower():
        _announce_email_change(client, old_email, by)
    logger.info("Client %s updated", client.pk)
    return client


@transaction.atomic
def client_providers_recorded(*, client: Client, before: Iterable[Provider], by: User) -> None:
    """Audit a change of the client's providers made by the staff (admin): who was added, who
    removed."""
    old = sorted(str(provider) for provider in before)
    new = sorted(str(provider) for provider in client.providers.all())
    if old != new:
        audit(
            actor=by,
            action="client.providers.changed",
            obj=client,
            changes={"providers": [", ".join(old), ", ".join(new)]},
        )


def printable_change(field: str, old: Any, new: Any) -> list[Any]:
    """Return [old, new] as stored in the audit trail: text, bank details masked, and only
    "(masqué)" for the other fields encrypted at rest (birth date and place)."""
    if field in MASKED_FIELDS:
        return [mask_iban(old) if old else "", mask_iban(new) if new else ""]
    if _encrypted(field):
        # Encrypted at rest: the audit trail says it changed, never what it was or became.
        return [HIDDEN if old else "", HIDDEN if new else ""]
    return [_text(old), _text(new)]


def _encrypted(field: str) -> bool:
    try:
        return is_sensitive(Client._meta.get_field(field))
    except FieldDoesNotExist:
        return False


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _announce_email_change(client: Client, old_email: str, by: User | None) -> None:
    actor_id = by.pk if by is not None else None
    transaction.on_commit(
        lambda: tasks.send_email_changed.delay(client.pk, old_email, client.email, actor_id)
    )
