"""Portal accounts that clients create themselves."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit
from invoices.models import Invoice, Quote

from ..models import Client, Role, User

logger = logging.getLogger(__name__)

# One answer whatever was wrong (number, date, or an account already there): a visitor must not
# learn which invoice numbers exist.
INVOICE_NOT_FOUND = (
    "Ce numéro et cette date ne correspondent à aucune facture ni aucun devis permettant de "
    "créer un compte. Vérifiez-les sur votre document ; si vous avez déjà un compte, "
    "connectez-vous."
)


@transaction.atomic
def client_account_create(
    *, invoice_number: str, invoice_date: dt.date, email: str, password: str
) -> User:
    """Create the portal account of the client an issued invoice or a sent quote was addressed to.

    `invoice_number` and `invoice_date` are that document's number and date. Returns the new
    user (role client), linked to that client. Raises ValidationError with the same French
    message whether the document is unknown or its client already has an account.
    """
    # Drafts have no number, so only issued invoices and sent quotes can match.
    document = (
        Invoice.objects.filter(number=invoice_number, issue_date=invoice_date)
        .only("client_id", "number")
        .first()
    ) or (
        Quote.objects.filter(number=invoice_number, issue_date=invoice_date)
        .only("client_id", "number")
        .first()
    )
    if document is None:
        raise ValidationError(INVOICE_NOT_FOUND)
    client = Client.objects.select_for_update().get(pk=document.client_id)
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
        note=f"Compte créé avec {'le devis' if isinstance(document, Quote) else 'la facture'} "
        f"{document.number}.",
    )
    logger.info("Client %s created their portal account", client.pk)
    return user
