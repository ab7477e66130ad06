"""Portal accounts that clients create themselves."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from invoices.models import Invoice

from ..audit import audit
from ..models import Client, Role, User

logger = logging.getLogger(__name__)

# One answer whatever was wrong (number, date, or an account already there): a visitor must not
# learn which invoice numbers exist.
INVOICE_NOT_FOUND = (
    "Ce numéro et cette date ne correspondent à aucune facture permettant de créer un compte. "
    "Vérifiez-les sur votre facture ; si vous avez déjà un compte, connectez-vous."
)


@transaction.atomic
def client_account_create(
    *, invoice_number: str, invoice_date: dt.date, email: str, password: str
) -> User:
    """Create the portal account of the client an issued invoice was addressed to.

    Returns the new user (role client), linked to that client. Raises ValidationError with the
    same French message whether the invoice is unknown or its client already has an account.
    """
    invoice = (
        Invoice.objects.filter(number=invoice_number, issue_date=invoice_date)
        .only("client_id", "number")
        .first()
    )
    if invoice is None:
        raise ValidationError(INVOICE_NOT_FOUND)
    client = Client.objects.select_for_update().get(pk=invoice.client_id)
    if client.user_id is not None:
        raise ValidationError(INVOICE_NOT_FOUND)
    user = User.objects.create_user(email=email, password=password, role=Role.CLIENT)
    client.user = user
    client.save(update_fields=["user"])
    audit(
        actor=user,
        action="client.account.created",
        obj=client,
        changes={"user": [None, user.email]},
        note=f"Compte créé avec la facture {invoice.number}.",
    )
    logger.info("Client %s created their portal account", client.pk)
    return user
