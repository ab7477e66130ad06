"""Registrations of clients for the avance immédiate: every attempt kept, never rewritten."""

from django.db import models
from django.utils import timezone

from audit.fields import actor_field
from clients.encryption import EncryptedJSONField
from clients.fields import client_field, set_when, status_field
from invoices.models import DatedRules

from ..triage.models import TriageQuerySet, TriageRecord
from .triage_table import TABLE, RegistrationBucket


class AIOrigin(models.TextChoices):
    CLIENT = "client", "Le client (espace client)"
    PROVIDER = "provider", "Le prestataire"
    STAFF = "staff", "L'équipe de la coopérative"


class AIRegistrationState(models.TextChoices):
    # The same names as a payment request's: pending, then claimed by the worker sending it.
    PENDING = "pending", "En file d'attente"
    CLAIMED = "claimed", "Envoi en cours"
    SENT = "sent", "Envoyée à l'URSSAF"
    FAILED = "failed", "Refusée ou non aboutie"
    SUPERSEDED = "superseded", "Remplacée par une tentative plus récente"


LIVE_REGISTRATION_STATES = (AIRegistrationState.PENDING, AIRegistrationState.CLAIMED)


class AIRegistration(TriageRecord):
    """One attempt to register a client with URSSAF: kept for good, never rewritten.

    A correction or a retry is a new attempt; the previous one keeps what was sent and what
    URSSAF answered. The request summary never holds the IBAN in clear.
    """

    triage_table = TABLE
    live_states = LIVE_REGISTRATION_STATES

    client = client_field("ai_registrations")
    started_by = actor_field("lancée par")
    origin = models.CharField("origine", max_length=16, choices=AIOrigin.choices)
    created_at = models.DateTimeField("créée le", auto_now_add=True, db_index=True)
    state = status_field(AIRegistrationState.PENDING, "état de l'envoi", db_index=True)
    # When the current send was claimed: a claim older than STALE_CLAIM is a crashed worker.
    claimed_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("appels à l'URSSAF", default=0)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    known_elsewhere = models.BooleanField(
        "déjà inscrit via un autre organisme (selon le client)", default=False
    )
    # Identity, birth and bank details as sent: encrypted at rest like the client's own.
    request_summary = EncryptedJSONField("demande envoyée (IBAN masqué)", default=dict, blank=True)
    id_client = models.CharField("idClient renvoyé", max_length=64, blank=True)
    triage_bucket = TriageRecord.bucket_field(RegistrationBucket)
    reminded_2d_at = models.DateTimeField("relance J+2 envoyée le", null=True, blank=True)
    reminded_5d_at = models.DateTimeField("relance J+5 envoyée le", null=True, blank=True)

    objects = TriageQuerySet.as_manager()

    class Meta(TriageRecord.Meta):
        verbose_name = "inscription à l'avance immédiate"
        verbose_name_plural = "inscriptions à l'avance immédiate"
        constraints = [
            *TriageRecord.Meta.constraints,
            TriageRecord.one_live_per(
                "client", LIVE_REGISTRATION_STATES, name="one_live_ai_registration_per_client"
            ),
            set_when(
                "sent_at", state=AIRegistrationState.SENT, name="ai_registration_sent_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"Inscription de {self.client} du {timezone.localdate(self.created_at):%d/%m/%Y}"


class AIEligibilityRule(DatedRules):
    """Who the avance immédiate excludes over a period: dated configuration, not code.

    APA and PCH beneficiaries are excluded until URSSAF opens the service to them (planned
    for 1 July 2027, tax/RULES.md §3): the date changes here, in the admin, by closing one
    period and adding the next. `valid_to` empty means "until further notice".
    """

    # Periods must not overlap, or a day would have two answers.
    overlap_message = "Cette période chevauche celle d'une autre règle."

    apa_excluded = models.BooleanField("bénéficiaires de l'APA exclus")
    pch_excluded = models.BooleanField("bénéficiaires de la PCH exclus")

    class Meta(DatedRules.Meta):
        verbose_name = "règle d'éligibilité à l'avance immédiate"
        verbose_name_plural = "règles d'éligibilité à l'avance immédiate"
        constraints = [DatedRules.period_ordered("ai_eligibility_period_ordered")]
