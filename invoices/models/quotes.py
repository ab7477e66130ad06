"""Quotes (devis): the priced services a provider proposes before doing them.

A quote is mandatory for services of 100 € TTC or more, and on the client's request. Sent to
the client it gets a number; once accepted it becomes an invoice draft. Its number and date
also let a client open their portal account (clients/services/accounts.py).
"""

from datetime import date

from django.db import models
from django.utils import timezone

from clients.fields import status_field, status_is

from .billing import Invoice
from .documents import BillingDocument, DocumentKind, ServiceLine, line_constraints


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SENT = "sent", "Envoyé"
    ACCEPTED = "accepted", "Accepté"
    DECLINED = "declined", "Refusé"


class Quote(BillingDocument):
    status = status_field(QuoteStatus.DRAFT)
    # The base's dates, with the labels of a quote: the day it was sent, the planned services.
    issue_date = models.DateField("date du devis", null=True, blank=True)
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)
    period_start = models.DateField("début des prestations prévues")
    period_end = models.DateField("fin des prestations prévues")
    invoice = models.OneToOneField(
        Invoice,
        verbose_name="facture",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="quote",
    )
    answered_at = models.DateTimeField("réponse du client le", null=True, blank=True)

    kind = DocumentKind(
        number_prefix="D",
        numbered_status=QuoteStatus.SENT,
        draft_label="Devis en brouillon",
        noun="devis",
        needs_a_line="Un devis doit comporter au moins une ligne.",
        not_editable="Un devis envoyé ne peut plus être modifié.",
        not_deletable="Seul un devis en brouillon peut être supprimé.",
        already_numbered="Ce devis a déjà été envoyé.",
        numbered_before="un devis a déjà été envoyé",
    )

    class Meta(BillingDocument.Meta):
        verbose_name = "devis"
        verbose_name_plural = "devis"

    # Sent, and the client has neither accepted nor declined it yet.
    awaits_answer = status_is(QuoteStatus.SENT)
    is_accepted = status_is(QuoteStatus.ACCEPTED)
    is_declined = status_is(QuoteStatus.DECLINED)

    @property
    def can_be_invoiced(self) -> bool:
        """Accepted by the client and without its invoice yet."""
        return self.is_accepted and self.invoice_id is None

    def is_expired(self, today: date | None = None) -> bool:
        """A sent quote the client did not answer before its validity date."""
        today = today or timezone.localdate()
        return self.awaits_answer and self.valid_until is not None and self.valid_until < today


class QuoteLine(ServiceLine):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name="devis"
    )

    class Meta(ServiceLine.Meta):
        verbose_name = "ligne de devis"
        verbose_name_plural = "lignes de devis"
        constraints = line_constraints("quote_line")
