"""Business writes on quotes (devis): draft, send, the client's answer, and the invoice."""

import logging
from datetime import date, timedelta
from typing import Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Provider, User

from ..models import Invoice, Quote, QuoteStatus
from . import documents
from .billing import invoice_create_draft

logger = logging.getLogger(__name__)

# Without a date typed by the provider, a quote stays valid this long after it is sent.
DEFAULT_VALIDITY = timedelta(days=30)
ANSWERS = (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)


def _validity_errors(valid_until: date | None) -> list[str]:
    if valid_until is not None and valid_until < timezone.localdate():
        return ["La date de validité du devis est déjà passée."]
    return []


@transaction.atomic
def quote_create_draft(
    *,
    provider: Provider,
    client: Client,
    valid_until: date | None = None,
    **content: Unpack[documents.DraftContent],
) -> Quote:
    """Create a draft quote with its period, lines (planned dates, computed totals) and notes.

    Raises ValidationError (French messages) like an invoice draft, or for a validity date
    already past.
    """
    quote = documents.draft_new(Quote, provider, client, valid_until=valid_until)
    return documents.draft_save(quote, content, errors=_validity_errors(valid_until))


@transaction.atomic
def quote_update_draft(
    *, quote: Quote, valid_until: date | None = None, **content: Unpack[documents.DraftContent]
) -> Quote:
    """Replace a draft quote's period, notes, validity and lines; a sent quote never changes."""
    quote = documents.draft_lock(quote)
    quote.valid_until = valid_until
    return documents.draft_save(quote, content, errors=_validity_errors(valid_until))


@transaction.atomic
def quote_delete_draft(*, quote: Quote) -> None:
    """Delete a draft quote; a sent one stays (the client has it)."""
    documents.draft_delete(quote)


@transaction.atomic
def quote_send(*, quote: Quote, by: User) -> Quote:
    """Number and date the quote (D2026-00001…) and freeze it: it is now the client's.

    Raises ValidationError when it is not a draft or has no line.
    """
    quote = documents.draft_number(quote)
    # Numbered, hence dated: issue_date is set.
    quote.valid_until = quote.valid_until or quote.issue_date + DEFAULT_VALIDITY  # type: ignore[operator,assignment]
    quote.full_clean()
    quote.save()
    logger.info("Quote %s sent by user %s", quote.number, by.pk)
    return quote


@transaction.atomic
def quote_record_answer(*, quote: Quote, accepted: bool, by: User) -> Quote:
    """Record the client's answer to a sent quote (signed "bon pour accord", or refused)."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if not quote.awaits_answer:
        raise ValidationError("Seul un devis envoyé, sans réponse, peut être accepté ou refusé.")
    if accepted and quote.is_expired():
        raise ValidationError(
            f"Ce devis n'est plus valable depuis le {quote.valid_until:%d/%m/%Y} : "
            "faites-en un nouveau."
        )
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.DECLINED
    quote.answered_at = timezone.now()
    quote.save(update_fields=["status", "answered_at"])
    logger.info("Quote %s %s, recorded by user %s", quote.number, quote.status, by.pk)
    return quote


@transaction.atomic
def quote_invoice(*, quote: Quote, by: User) -> Invoice:
    """Make the invoice draft of an accepted quote: same client, period and lines.

    The provider then adjusts the dates to the services really done and issues it. Raises
    ValidationError when the quote is not accepted or already has its invoice.
    """
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if not quote.is_accepted:
        raise ValidationError("Seul un devis accepté par le client peut être facturé.")
    if quote.invoice_id is not None:
        raise ValidationError("Ce devis a déjà sa facture.")
    lines = documents.LineData.of(quote)
    notes = "\n".join(filter(None, [f"Selon notre devis n° {quote.number}.", quote.notes]))
    invoice = invoice_create_draft(
        provider=quote.provider,
        client=quote.client,
        period_start=quote.period_start,
        period_end=quote.period_end,
        lines=lines,
        notes=notes,
    )
    quote.invoice = invoice
    quote.save(update_fields=["invoice"])
    logger.info("Quote %s invoiced as draft %s by user %s", quote.number, invoice.pk, by.pk)
    return invoice
