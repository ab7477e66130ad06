"""Quotes (devis): the priced services a provider proposes before doing them.

A quote is mandatory for services of 100 € TTC or more, and on the client's request. Sent to
the client it gets a number; once accepted it becomes an invoice draft. Its number and date
also let a client open their portal account (clients/services/accounts.py).
"""

import uuid
from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .billing import NOTES_MAX_LENGTH, Invoice, ServiceLine, line_constraints


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SENT = "sent", "Envoyé"
    ACCEPTED = "accepted", "Accepté"
    DECLINED = "declined", "Refusé"


class QuoteQuerySet(models.QuerySet):
    def for_user(self, user):
        """Quotes this user may see: a provider's own, a client's sent ones, all for staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_provider:
            return self.filter(provider=user.provider)
        if user.is_client:
            return self.filter(client=user.client).exclude(status=QuoteStatus.DRAFT)
        if user.is_cooperative_staff:
            return self
        return self.none()


class Quote(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cooperative = models.ForeignKey(
        "clients.Cooperative", on_delete=models.PROTECT, related_name="quotes"
    )
    provider = models.ForeignKey(
        "clients.Provider", on_delete=models.PROTECT, related_name="quotes"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="quotes")
    status = models.CharField(
        "statut", max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    # NULL until sent, so the unique constraint ignores drafts.
    number = models.CharField(  # noqa: DJ001
        "numéro", max_length=20, null=True, blank=True, editable=False
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    issue_date = models.DateField("date du devis", null=True, blank=True)
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)
    period_start = models.DateField("début des prestations prévues")
    period_end = models.DateField("fin des prestations prévues")
    total_ht = models.DecimalField("total HT", max_digits=10, decimal_places=2, default=0)
    total_tva = models.DecimalField("total TVA", max_digits=10, decimal_places=2, default=0)
    total_ttc = models.DecimalField("total TTC", max_digits=10, decimal_places=2, default=0)
    notes = models.TextField("mentions complémentaires", max_length=NOTES_MAX_LENGTH, blank=True)
    invoice = models.OneToOneField(
        Invoice,
        verbose_name="facture",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="quote",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField("réponse du client le", null=True, blank=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = "devis"
        verbose_name_plural = "devis"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"],
                condition=Q(number__isnull=False),
                name="quote_number_unique_per_cooperative",
            ),
            models.CheckConstraint(
                condition=Q(total_ttc=F("total_ht") + F("total_tva")),
                name="quote_ttc_is_ht_plus_tva",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="quote_period_ordered",
                violation_error_message="La fin de période précède son début.",
            ),
            models.CheckConstraint(
                condition=Q(status=QuoteStatus.DRAFT)
                | (Q(number__isnull=False) & Q(issue_date__isnull=False)),
                name="quote_sent_has_number",
            ),
        ]
        indexes = [models.Index(fields=["provider", "-created_at", "-id"])]

    def __str__(self) -> str:
        return (
            self.number or f"Devis en brouillon du {timezone.localdate(self.created_at):%d/%m/%Y}"
        )

    @property
    def is_editable(self) -> bool:
        return self.status == QuoteStatus.DRAFT

    def is_expired(self, today: date | None = None) -> bool:
        """A sent quote the client did not answer before its validity date."""
        today = today or timezone.localdate()
        return (
            self.status == QuoteStatus.SENT
            and self.valid_until is not None
            and self.valid_until < today
        )


class QuoteLine(ServiceLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = "ligne de devis"
        ordering = ["position", "service_date", "pk"]
        constraints = line_constraints("quote_line")
