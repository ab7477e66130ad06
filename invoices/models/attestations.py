"""Annual tax attestations: batches, their items, and the stored versions."""

import secrets
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from audit.fields import actor_field
from clients.fields import client_field, optional_link, status_field


class BatchStatus(models.TextChoices):
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"


class AttestationBatch(models.Model):
    """One run of "generate the attestations of year N" over every client who paid in N."""

    year = models.PositiveSmallIntegerField("année")
    status = status_field(BatchStatus.RUNNING)
    total = models.PositiveIntegerField("clients à traiter", default=0)
    done = models.PositiveIntegerField("réussis", default=0)
    failed = models.PositiveIntegerField("en échec", default=0)
    created = models.PositiveIntegerField("nouvelles versions", default=0)
    started_by = actor_field("lancé par")
    started_at = models.DateTimeField("lancé le", default=timezone.now)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "lot d'attestations"
        verbose_name_plural = "lots d'attestations"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status="running"),
                name="one_running_batch_per_year",
                violation_error_message="Une génération est déjà en cours pour cette année.",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("done") + F("failed")),
                name="batch_counters_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"Attestations {self.year} ({self.get_status_display().lower()})"

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed


class BatchItemStatus(models.TextChoices):
    PENDING = "pending", "À traiter"
    DONE = "done", "Traité"
    FAILED = "failed", "En échec"


class AttestationBatchItem(models.Model):
    """One client of a batch. Its status moves once, with a conditional update, so a task run
    twice (a worker killed after the work, the message redelivered) never counts twice."""

    batch = models.ForeignKey(
        AttestationBatch, on_delete=models.CASCADE, related_name="items", verbose_name="lot"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name="client"
    )
    status = status_field(BatchItemStatus.PENDING)
    reason = models.TextField("motif de l'échec", blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "client du lot"
        verbose_name_plural = "clients du lot"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "client"], name="one_item_per_client")
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"{self.client} : {self.get_status_display()}"


def attestation_upload_to(instance: "Attestation", filename: str) -> str:
    # The reference is printed and predictable: the random part keeps the file's name unguessable
    # to anyone who can list or read the media folder's neighbourhood (backups, a proxy rule).
    return f"attestations/{instance.year}/{instance.reference}-{secrets.token_urlsafe(16)}.pdf"


class AttestationQuerySet(models.QuerySet):
    def for_client(self, client):
        return self.filter(client=client)

    def latest_versions(self):
        """Only the current version of each client's attestation for each year."""
        newer = Attestation.objects.filter(
            client=models.OuterRef("client"),
            year=models.OuterRef("year"),
            version__gt=models.OuterRef("version"),
        )
        return self.filter(~models.Exists(newer))


class Attestation(models.Model):
    """A stored attestation fiscale: the PDF and the figures it shows, never edited afterwards.

    A correction produces a new version; earlier versions stay downloadable so that what a
    client already filed can always be found again.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    client = client_field("attestations")
    year = models.PositiveSmallIntegerField("année")
    version = models.PositiveSmallIntegerField("version", default=1)
    reference = models.CharField("référence", max_length=40, unique=True)
    file = models.FileField("fichier PDF", upload_to=attestation_upload_to)
    figures = models.JSONField("montants attestés")
    total_paid = models.DecimalField("total payé", max_digits=10, decimal_places=2)
    client_paid = models.DecimalField(
        "montant effectivement payé par le client", max_digits=10, decimal_places=2
    )
    generated_at = models.DateTimeField("générée le", default=timezone.now)
    emailed_at = models.DateTimeField("client prévenu le", null=True, blank=True)
    batch = optional_link(
        AttestationBatch, "lot", on_delete=models.SET_NULL, related_name="attestations"
    )

    objects = AttestationQuerySet.as_manager()

    class Meta:
        verbose_name = "attestation fiscale"
        verbose_name_plural = "attestations fiscales"
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "year", "version"], name="one_attestation_version_per_year"
            ),
            # The amounts may be negative: a refund (credit note) is counted in its own year,
            # against the sums paid that year; after an avance immédiate invoice is refunded
            # outside it, the client bore less than the AI credit URSSAF paid (line 5 < 0).
            models.CheckConstraint(
                condition=Q(version__gte=1), name="attestation_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


# --- Payouts: what the cooperative owes its providers once an invoice is paid ---------------
