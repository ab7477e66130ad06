"""The client record: created by a provider, updated by a provider, the client or the staff."""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Client, Cooperative, Provider

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "Un autre client de la coopérative utilise déjà cette adresse e-mail."


@transaction.atomic
def client_create_for_provider(
    *, provider: Provider, data: Mapping[str, Any]
) -> tuple[Client, bool]:
    """Create a client of the cooperative and link it to `provider`.

    A client whose e-mail is already known in the cooperative is linked instead of duplicated
    (its record is left as it is: other providers may serve it too). Returns the client and
    whether it was created. Raises ValidationError (French messages) for invalid data.
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
        existing.providers.add(provider)
        logger.info("Provider %s linked to existing client %s", provider.pk, existing.pk)
        return existing, False
    client = Client(cooperative=cooperative, **data)
    client.full_clean()
    client.save()
    client.providers.add(provider)
    logger.info("Provider %s created client %s", provider.pk, client.pk)
    return client, True


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
