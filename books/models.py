"""What the books app keeps: the chart overrides, and every export made, to replay it."""

import secrets

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from audit.fields import actor_field
from clients.fields import optional_link

from .accounts import describe


class AccountMapping(models.Model):
    """One account of the chart, as staff set it (the defaults live in books/accounts.py)."""

    key = models.CharField("rôle", max_length=80, unique=True)
    number = models.CharField(
        "numéro de compte",
        max_length=20,
        validators=[
            RegexValidator(
                r"^[1-8][0-9A-Z]{2,19}$",
                "Un numéro de compte du plan comptable : un chiffre de 1 à 8, puis chiffres ou "
                "lettres majuscules (3 à 20 caractères).",
            )
        ],
    )
    label = models.CharField("libellé du compte", max_length=100)

    class Meta:
        verbose_name = "compte du plan comptable"
        verbose_name_plural = "comptes du plan comptable"
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"

    @property
    def description(self) -> str:
        return describe(self.key)


def export_upload_to(instance: "AccountingExport", filename: str) -> str:
    # Hex: no "-" in the random part, so the download name is what follows the first "-".
    return f"books/{instance.period_end:%Y}/{secrets.token_hex(16)}-{filename}"


def _rectifies_field(verbose_name: str) -> models.ForeignKey:
    """The earlier file of the same period that this one replaces (kept: the trail is whole)."""
    return optional_link(
        "self", verbose_name, on_delete=models.PROTECT, related_name="rectified_by"
    )


class AccountingExport(models.Model):
    """An export of the books for a period: recorded, so it is never made twice by mistake and
    can be downloaded again exactly as it was sent to the accountant."""

    period_start = models.DateField("du")
    period_end = models.DateField("au")
    client_accounts = models.BooleanField(
        "un compte auxiliaire par client",
        default=False,
        help_text="Sinon, tous les clients sont sur le compte collectif.",
    )
    rectifies = _rectifies_field("remplace l'export")
    reason = models.CharField("motif d'un nouvel export de la période", max_length=300, blank=True)
    fec = models.FileField("fichier FEC", upload_to=export_upload_to)
    csv = models.FileField("tableur (CSV)", upload_to=export_upload_to)
    summary = models.FileField("récapitulatif (PDF)", upload_to=export_upload_to)
    fec_sha256 = models.CharField("empreinte SHA-256 du FEC", max_length=64)
    entries = models.PositiveIntegerField("écritures")
    totals = models.JSONField("totaux par journal")
    created_by = actor_field("exporté par", required=True)
    created_at = models.DateTimeField("exporté le", auto_now_add=True)

    class Meta:
        verbose_name = "export comptable"
        verbose_name_plural = "exports comptables"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="accounting_export_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"Export du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"


class EReport(models.Model):
    """The e-reporting files of one period: the first (initial) and any rectifying report."""

    period_start = models.DateField("du")
    period_end = models.DateField("au")
    version = models.PositiveSmallIntegerField("version", default=1)
    reference = models.CharField("référence", max_length=40, unique=True)
    rectifies = _rectifies_field("rectifie le rapport")
    transactions = models.FileField("opérations (ventes B2C)", upload_to=export_upload_to)
    payments = models.FileField("encaissements", upload_to=export_upload_to)
    sha256 = models.CharField("empreinte SHA-256 des données", max_length=64)
    created_by = actor_field("produit par", required=True)
    created_at = models.DateTimeField("produit le", auto_now_add=True)

    class Meta:
        verbose_name = "rapport d'e-reporting"
        verbose_name_plural = "rapports d'e-reporting"
        ordering = ["-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "version"], name="ereport_one_version_per_period"
            )
        ]

    def __str__(self) -> str:
        kind = "rectificatif" if self.rectifies_id else "initial"
        period = f"du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"
        return f"E-reporting {period} ({kind}, v{self.version})"
