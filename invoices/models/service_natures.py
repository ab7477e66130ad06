"""The natures of service: the SAP activities an invoice line may bill (loaded as data)."""

from django.db import models


class Regime(models.TextChoices):
    AGREMENT = "A", "Agrément"
    DECLARATION = "D", "Déclaration"


class ServiceNature(models.Model):
    """One of the 26 SAP activities of article D7231-1 du code du travail (loaded as data)."""

    slug = models.SlugField(unique=True, verbose_name="identifiant")
    label = models.CharField("libellé", max_length=200)
    short_label = models.CharField("libellé court", max_length=80)
    regime = models.CharField("régime", max_length=1, choices=Regime.choices)
    tax_box = models.CharField("case de la déclaration", max_length=3, blank=True)
    annual_ceiling = models.DecimalField(
        "plafond annuel spécifique", max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_hours_per_intervention = models.DecimalField(
        "durée maximale par intervention (h)", max_digits=4, decimal_places=2, null=True, blank=True
    )
    default_vat_rate = models.DecimalField("taux de TVA usuel (%)", max_digits=4, decimal_places=2)
    urssaf_code_nature = models.CharField("code nature URSSAF", max_length=5, blank=True)
    urssaf_code_activite = models.CharField("code activité URSSAF", max_length=10, blank=True)
    position = models.PositiveSmallIntegerField(default=0, verbose_name="ordre")
    # Declared here rather than on Provider (read as `provider.natures`): invoices builds on
    # clients, never the other way round. A provider with none may invoice any nature.
    providers = models.ManyToManyField(
        "clients.Provider",
        verbose_name="prestataires autorisés",
        related_name="natures",
        blank=True,
    )

    class Meta:
        verbose_name = "nature de service"
        verbose_name_plural = "natures de service"
        ordering = ["position"]

    def __str__(self) -> str:
        return self.short_label
