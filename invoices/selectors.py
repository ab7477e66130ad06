"""Reads of billing documents that other apps need without importing this one's models."""

import datetime as dt

from .models import Invoice, Quote


def client_id_for_document(number: str, issued_on: dt.date) -> int | None:
    """Return the id of the client an issued invoice or sent quote with this number and date
    went to, or None. Self-registration (clients/services/accounts.py) asks through this."""
    # Drafts have no number, so only issued invoices and sent quotes can match.
    for model in (Invoice, Quote):
        client_id = (
            model.objects.filter(number=number, issue_date=issued_on)
            .values_list("client_id", flat=True)
            .first()
        )
        if client_id is not None:
            return client_id
    return None
