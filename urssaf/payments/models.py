"""Payment requests (demandes de paiement) sent to URSSAF for avance immédiate invoices.

A `PaymentRequest` carries both sides: where the portal stands (`state`: waiting to be sent,
held for want of a financial guarantee, being sent, sent, refused at sending, abandoned,
replaced) and what URSSAF last said
(`status_code`, kept verbatim even when unknown). `PaymentRequestEvent` is the append-only
history of every change, with its time; the timeline and the audit are read from it.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from clients.fields import optional_link, set_when, status_field
from invoices.models import Payment

from ..triage.models import TriageQuerySet, TriageRecord
from .statuses import (
    AWAITING_VALIDATION_CODES,
    CONTESTED_CODES,
    ENDED_UNPAID_CODES,
    FAILED_CODES,
    status_info,
)
from .triage_table import TABLE, PaymentBucket


class RequestState(models.TextChoices):
    PENDING = "pending", "À envoyer"
    # Not sent while a financial guarantee is required and missing (urssaf/guarantee/rules.py).
    HELD = "held", "Retenue : garantie financière manquante"
    CLAIMED = "claimed", "Envoi en cours"
    SUBMITTED = "submitted", "Transmise à l'URSSAF"
    FAILED = "failed", "Refusée à l'envoi"
    CANCELLED = "cancelled", "Abandonnée (paiement hors avance immédiate)"
    SUPERSEDED = "superseded", "Remplacée par une facture corrigée"


# A failed request still belongs to its invoice: the staff retry it or close it.
LIVE_STATES = (
    RequestState.PENDING,
    RequestState.HELD,
    RequestState.CLAIMED,
    RequestState.SUBMITTED,
    RequestState.FAILED,
)


# Reusable conditions, for filters and for conditional counts in one query (dashboards).
AWAITING_VALIDATION = Q(state=RequestState.SUBMITTED, status_code__in=AWAITING_VALIDATION_CODES)
CONTESTED = Q(state=RequestState.SUBMITTED, status_code__in=CONTESTED_CODES)
# URSSAF pays the invoice (or may still): a live request it has not ended without paying. Then
# the client owes only her share, and no payment outside URSSAF can be recorded.
URSSAF_PAYS = Q(state__in=LIVE_STATES) & ~Q(
    state=RequestState.SUBMITTED, status_code__in=ENDED_UNPAID_CODES
)
# Refused at sending (waiting for the staff), or failed at URSSAF (unpaid direct debit).
FAILED = Q(state=RequestState.FAILED) | Q(
    state=RequestState.SUBMITTED, status_code__in=FAILED_CODES
)


class PaymentRequestQuerySet(TriageQuerySet):
    def awaiting_validation(self):
        """Sent and waiting for the client's answer on their URSSAF space (10 or 20)."""
        return self.filter(AWAITING_VALIDATION)

    def contested(self):
        return self.filter(CONTESTED)

    def failed(self):
        return self.filter(FAILED)

    def due_for_poll(self, now):
        return self.filter(state=RequestState.SUBMITTED, next_poll_at__lte=now)


class PaymentRequest(TriageRecord):
    """One invoice sent (or to be sent) to URSSAF for the avance immédiate."""

    triage_table = TABLE
    live_states = LIVE_STATES

    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        related_name="payment_requests",
        verbose_name="facture",
    )
    state = status_field(RequestState.PENDING, "état côté portail")
    # numFactureTiers as sent: the invoice number, kept here so polling needs no join.
    invoice_number = models.CharField("n° de facture transmis", max_length=20)
    urssaf_id = models.CharField("idDemandePaiement", max_length=64, blank=True)
    status_code = models.CharField("statut URSSAF (code)", max_length=16, blank=True)
    status_label = models.CharField("libellé renvoyé par l'URSSAF", max_length=120, blank=True)
    status_changed_at = models.DateTimeField("statut constaté le", null=True, blank=True)
    rejection_code = models.CharField("motif (infoRejet)", max_length=40, blank=True)
    rejection_comment = models.TextField("commentaire du motif", blank=True)
    transfer_date = models.DateField("date du virement URSSAF", null=True, blank=True)
    transfer_amount = models.DecimalField(
        "montant du virement URSSAF", max_digits=10, decimal_places=2, null=True, blank=True
    )

    attempts = models.PositiveSmallIntegerField("prises en charge pour envoi", default=0)
    claim_token = models.UUIDField(
        null=True, blank=True, editable=False, verbose_name="jeton de prise en charge"
    )
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    # After a transient failure: not sent again before this moment (backoff, Retry-After).
    retry_at = models.DateTimeField("prochain essai d'envoi après", null=True, blank=True)
    next_poll_at = models.DateTimeField("prochaine interrogation", null=True, blank=True)
    last_polled_at = models.DateTimeField("dernière interrogation", null=True, blank=True)
    missing_polls = models.PositiveSmallIntegerField("interrogations sans réponse", default=0)

    created_at = models.DateTimeField("créée le", auto_now_add=True)
    submitted_at = models.DateTimeField("transmise le", null=True, blank=True)
    validated_at = models.DateTimeField("validée le (constaté)", null=True, blank=True)
    debited_at = models.DateTimeField("prélevée le (constaté)", null=True, blank=True)
    paid_at = models.DateTimeField("payée le (constaté)", null=True, blank=True)
    ended_at = models.DateTimeField("terminée le", null=True, blank=True)
    payment = optional_link(
        Payment,
        "paiement enregistré",
        on_delete=models.PROTECT,
        related_name="urssaf_request",
        one_to_one=True,
    )

    triage_bucket = TriageRecord.bucket_field(PaymentBucket)

    objects = PaymentRequestQuerySet.as_manager()

    class Meta(TriageRecord.Meta):
        verbose_name = "demande de paiement URSSAF"
        verbose_name_plural = "demandes de paiement URSSAF"
        constraints = [
            *TriageRecord.Meta.constraints,
            TriageRecord.one_live_per(
                "invoice", LIVE_STATES, name="one_live_payment_request_per_invoice"
            ),
            models.UniqueConstraint(
                fields=["urssaf_id"],
                condition=~Q(urssaf_id=""),
                name="payment_request_urssaf_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(state=RequestState.SUBMITTED)
                | (~Q(urssaf_id="") & Q(submitted_at__isnull=False)),
                name="payment_request_submitted_has_id",
            ),
            set_when(
                "claimed_at", state=RequestState.CLAIMED, name="payment_request_claim_has_date"
            ),
        ]
        indexes = [
            *TriageRecord.Meta.indexes,
            # The poller's only query: what is due now, oldest first.
            models.Index(
                fields=["next_poll_at"],
                condition=Q(next_poll_at__isnull=False),
                name="payment_request_poll_idx",
            ),
            models.Index(fields=["state", "created_at"], name="payment_request_state_idx"),
            models.Index(fields=["status_code"], name="payment_request_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Demande de paiement — facture {self.invoice_number}"

    @property
    def urssaf_pays(self) -> bool:
        """Whether URSSAF pays the invoice through this request (the row's URSSAF_PAYS)."""
        ended = self.state == RequestState.SUBMITTED and self.status_code in ENDED_UNPAID_CODES
        return self.state in LIVE_STATES and not ended

    @property
    def status_info(self):
        """Return the status table's entry for the last URSSAF code (a placeholder if unknown)."""
        return status_info(self.status_code) if self.status_code else None


class EventKind(models.TextChoices):
    CREATED = "created", "Créée"
    SUBMITTED = "submitted", "Transmise"
    ADOPTED = "adopted", "Retrouvée à l'URSSAF"
    REFUSED = "refused", "Refusée par l'URSSAF"
    STATUS = "status", "Changement de statut"
    STAFF = "staff", "Action de l'équipe"
    HELD = "held", "Retenue (garantie financière)"
    RELEASED = "released", "Libérée (garantie enregistrée)"
    PAYMENT = "payment", "Paiement enregistré"
    REVERSAL = "reversal", "Paiement repris"


class PaymentRequestEvent(models.Model):
    """One thing that happened to a payment request, when it was seen. Never updated."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    request = models.ForeignKey(
        PaymentRequest,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name="demande de paiement",
    )
    at = models.DateTimeField("le", db_index=True)
    kind = models.CharField("événement", max_length=16, choices=EventKind.choices)
    status_code = models.CharField("statut URSSAF", max_length=16, blank=True)
    previous_code = models.CharField("statut précédent", max_length=16, blank=True)
    message = models.TextField("détail", blank=True)
    data = models.JSONField("données", default=dict, blank=True)

    class Meta:
        verbose_name = "événement de demande de paiement"
        verbose_name_plural = "événements de demande de paiement"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        # Shown in the admin beside columns in Paris time: the same clock here.
        at = timezone.localtime(self.at)
        return f"{at:%d/%m/%Y %H:%M} {self.get_kind_display()} {self.status_code}".strip()
