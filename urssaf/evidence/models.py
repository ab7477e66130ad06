"""An evidence pack requested by the staff, its progress while a worker builds it, its ZIP."""

import secrets
import uuid
from typing import cast

from django.db import models
from django.db.models import F, Q

from audit.fields import actor_field
from clients.fields import optional_link, status_field
from clients.models import Client
from invoices.models import Invoice


class PackStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En préparation"
    DONE = "done", "Prêt"
    FAILED = "failed", "En échec"


def evidence_upload_to(instance: "EvidencePack", filename: str) -> str:
    # Private folder (see FILE_UPLOAD_PERMISSIONS) and an unguessable name: a client's whole file.
    return f"evidence/{instance.created_at:%Y}/{instance.code}-{secrets.token_urlsafe(16)}.zip"


class EvidencePack(models.Model):
    """Everything about one client's year, or one invoice, gathered into a ZIP for URSSAF."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the pack is about: a client and a year, or an invoice (evidence_pack_one_subject).
    client = optional_link(Client, "client", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    invoice = optional_link(Invoice, "facture", on_delete=models.PROTECT)
    status = status_field(PackStatus.PENDING)
    steps_total = models.PositiveIntegerField("étapes", default=0)
    steps_done = models.PositiveIntegerField("étapes faites", default=0)
    file = models.FileField("archive ZIP", upload_to=evidence_upload_to, blank=True)
    error = models.TextField("erreur", blank=True)
    requested_by = actor_field("demandé par")
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "dossier de preuves pour l'URSSAF"
        verbose_name_plural = "dossiers de preuves pour l'URSSAF"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(invoice__isnull=False, client__isnull=True, year__isnull=True)
                    | Q(invoice__isnull=True, client__isnull=False, year__isnull=False)
                ),
                name="evidence_pack_one_subject",
                violation_error_message="Choisissez soit un client et une année, soit une facture.",
            ),
            models.CheckConstraint(
                condition=Q(steps_done__lte=F("steps_total")), name="evidence_pack_progress"
            ),
        ]

    def __str__(self) -> str:
        if self.invoice_id:
            return f"Dossier de la facture {self.invoice}"
        return f"Dossier {self.client} — {self.year}"

    @property
    def percent(self) -> int:
        if self.status == PackStatus.DONE:
            return 100
        return self.steps_done * 100 // self.steps_total if self.steps_total else 0

    @property
    def filename(self) -> str:
        if self.invoice is not None:
            return f"dossier-urssaf-facture-{self.invoice.number}.zip"
        # No invoice, hence a client and a year (constraint evidence_pack_one_subject).
        client = cast(Client, self.client)
        return f"dossier-urssaf-{client.code}-{self.year}.zip"
