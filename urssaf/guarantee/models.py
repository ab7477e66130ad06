"""The register of financial guarantees, and the staff alerts sent about them (each once)."""

import secrets
import uuid

from django.db import models
from django.db.models import F, Q

from audit.fields import actor_field
from clients.fields import cooperative_field


def guarantee_upload_to(instance: "FinancialGuarantee", filename: str) -> str:
    # Like the attestations: a random part keeps the stored name unguessable; the original
    # name is not kept (it may carry anything), only its extension.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "pdf"
    return f"garanties/{instance.valid_from:%Y}/garantie-{secrets.token_urlsafe(16)}.{extension}"


class FinancialGuaranteeQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Guarantees in force on `day` (both ends included), not withdrawn."""
        return self.filter(valid_from__lte=day, valid_to__gte=day, withdrawn_at__isnull=True)


class FinancialGuarantee(models.Model):
    """One guarantee the cooperative holds: who issued it, for how much, from when to when.

    The attestation and the proof it was sent to URSSAF are stored privately (the admin serves
    them to staff only). A guarantee is never deleted: a wrong one is withdrawn.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cooperative = cooperative_field("guarantees")
    issuer = models.CharField(
        "organisme garant", max_length=200, help_text="Banque, assureur ou société de caution."
    )
    reference = models.CharField("référence du contrat", max_length=80, blank=True)
    amount = models.DecimalField("montant garanti", max_digits=12, decimal_places=2)
    valid_from = models.DateField("valable du")
    valid_to = models.DateField("valable jusqu'au")
    attestation = models.FileField(
        "attestation de garantie", upload_to=guarantee_upload_to, max_length=200
    )
    sent_to_urssaf_on = models.DateField("transmise à l'URSSAF le", null=True, blank=True)
    sending_proof = models.FileField(
        "preuve de transmission à l'URSSAF",
        upload_to=guarantee_upload_to,
        max_length=200,
        blank=True,
        help_text="Accusé de réception, copie du courriel ou capture du dépôt.",
    )
    # The smallest "days before expiry" step the staff were reminded at (None: not yet).
    reminded_days_before = models.PositiveSmallIntegerField(
        "dernier rappel d'échéance (jours avant)", null=True, blank=True, editable=False
    )
    withdrawn_at = models.DateTimeField("retirée le", null=True, blank=True)
    recorded_by = actor_field("enregistrée par", editable=False)
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = FinancialGuaranteeQuerySet.as_manager()

    class Meta:
        verbose_name = "garantie financière"
        verbose_name_plural = "garanties financières"
        ordering = ["-valid_to", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="guarantee_period_ordered",
                violation_error_message="La fin de validité précède son début.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="guarantee_amount_positive",
                violation_error_message="Le montant garanti doit être positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} — du {self.valid_from:%d/%m/%Y} au {self.valid_to:%d/%m/%Y}"

    def is_valid_on(self, day) -> bool:
        return self.withdrawn_at is None and self.valid_from <= day <= self.valid_to


class ThresholdAlert(models.Model):
    """An alert sent to staff: the year's avance immédiate total reached a share of the
    threshold. One per year and level, so a level is announced once."""

    year = models.PositiveSmallIntegerField("année")
    level = models.PositiveSmallIntegerField("seuil atteint (%)")
    total = models.DecimalField("total constaté", max_digits=12, decimal_places=2)
    sent_at = models.DateTimeField("envoyée le", auto_now_add=True)

    class Meta:
        verbose_name = "alerte de seuil de garantie"
        verbose_name_plural = "alertes de seuil de garantie"
        ordering = ["-year", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level"], name="one_threshold_alert_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.year} : {self.level} %"
