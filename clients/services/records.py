"""The client record: created by a provider, updated by a provider, the client or the staff."""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Client, Cooperative, Provider
from ..normalize import upper_ascii

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "Un autre client de la coopérative utilise déjà cette adresse e-mail."
EMAIL_TAKEN_OTHER_PERSON = (
    "Un client de la coopérative utilise déjà cette adresse e-mail, avec un autre nom de "
    "naissance ou une autre date de naissance. Vérifiez-les avec votre client ; s'il s'agit "
    "bien de lui, la coopérative peut vous rattacher à sa fiche."
)


@transaction.atomic
def client_create_for_provider(
    *, provider: Provider, data: Mapping[str, Any]
) -> tuple[Client, bool]:
    """Create a client of the cooperative and link it to `provider`.

    A client whose e-mail is already known in the cooperative is linked instead of duplicated
    (its record is left as it is: other providers may serve it too; one person, one tax
    attestation), but only when the provider gives the same birth name and birth date: an
    e-mail alone must not open someone's record to any member. Returns the client and
    whether it was created. Raises ValidationError (French messages) for invalid data or a
    known e-mail given with another identity.
    """
    # Lock the cooperative row so that two providers adding the same person at the same moment
    # cannot both miss the other's row and create a duplicate (e-mails are not unique in the DB).
    cooperative = Cooperative.objects.select_for_update().get()
    existing = (
        Client.objects.filter(cooperative=cooperative, email__iexact=data["email"])
        .order_by("created_at")
        .first()
    )
    if existing is not None:
        if not _same_person(existing, data):
            logger.info("Provider %s gave a known e-mail with another identity", provider.pk)
            raise ValidationError({"email": EMAIL_TAKEN_OTHER_PERSON})
        existing.providers.add(provider)
        logger.info("Provider %s linked to existing client %s", provider.pk, existing.pk)
        return existing, False
    client = Client(cooperative=cooperative, **data)
    client.full_clean()
    client.save()
    client.providers.add(provider)
    logger.info("Provider %s created client %s", provider.pk, client.pk)
    return client, True


def _same_person(client: Client, data: Mapping[str, Any]) -> bool:
    """Whether `data` names the client: same birth date, same birth name (case, accents and
    spacing aside)."""
    return data.get("birth_date") == client.birth_date and upper_ascii(
        data.get("birth_name", "")
    ) == upper_ascii(client.birth_name)


@transaction.atomic
def client_update(*, client: Client, data: Mapping[str, Any]) -> Client:
    """Replace the client's editable fields with `data` and return the saved client.

    Raises ValidationError (French messages) for invalid data or an e-mail that another client
    of the cooperative already uses.
    """
    # Same lock as creation, so the uniqueness check below cannot race with a new client.
    Cooperative.objects.select_for_update().get()
    client = Client.objects.select_for_update().get(pk=client.pk)
    taken = (
        Client.objects.filter(cooperative=client.cooperative, email__iexact=data["email"])
        .exclude(pk=client.pk)
        .exists()
    )
    if taken:
        raise ValidationError({"email": EMAIL_TAKEN})
    for field, value in data.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    logger.info("Client %s updated", client.pk)
    return client
