"""The tax-credit rules in force, as dated configuration editable in the admin."""

from django.db import models
from django.db.models import F, Q

from ..templatetags.fr_format import euros
from .dated_rules import DatedRules
from .service_natures import ServiceNature


class TaxRuleSet(DatedRules):
    """Rate and ceilings of the home-services tax credit for a period (CGI art. 199 sexdecies).

    Finance laws change these figures, so they live here with their validity dates and are
    edited in the admin, never hard-coded. `valid_to` empty means "until further notice".
    """

    # Periods must not overlap, or a year would have two sets of rules.
    overlap_message = "Cette période chevauche celle d'un autre barème."

    credit_rate = models.DecimalField(
        "taux du crédit", max_digits=4, decimal_places=3, help_text="0,500 pour 50 %."
    )
    base_ceiling = models.DecimalField("plafond de base", max_digits=8, decimal_places=2)
    majoration_per_person = models.DecimalField(
        "majoration par enfant à charge ou membre de plus de 65 ans",
        max_digits=8,
        decimal_places=2,
    )
    majoration_shared_custody = models.DecimalField(
        "majoration par enfant en résidence alternée", max_digits=8, decimal_places=2
    )
    majorated_ceiling_cap = models.DecimalField(
        "plafond majoré maximal", max_digits=8, decimal_places=2
    )
    invalidity_ceiling = models.DecimalField(
        "plafond en cas d'invalidité", max_digits=8, decimal_places=2
    )
    january_advance_rate = models.DecimalField(
        "taux de l'acompte de janvier",
        max_digits=4,
        decimal_places=3,
        help_text="0,600 pour 60 %.",
    )

    class Meta(DatedRules.Meta):
        verbose_name = "barème du crédit d'impôt"
        verbose_name_plural = "barèmes du crédit d'impôt"
        constraints = [
            DatedRules.period_ordered("tax_rules_period_ordered"),
            models.CheckConstraint(
                condition=Q(credit_rate__gt=0)
                & Q(credit_rate__lte=1)
                & Q(january_advance_rate__gte=0)
                & Q(january_advance_rate__lte=1),
                name="tax_rules_rates_are_fractions",
                violation_error_message="Les taux s'expriment entre 0 et 1 (0,500 pour 50 %).",
            ),
            models.CheckConstraint(
                condition=Q(base_ceiling__gt=0)
                & Q(majoration_per_person__gte=0)
                & Q(majoration_shared_custody__gte=0)
                & Q(majorated_ceiling_cap__gte=F("base_ceiling"))
                & Q(invalidity_ceiling__gte=F("base_ceiling")),
                name="tax_rules_ceilings_consistent",
                violation_error_message=(
                    "Les plafonds majorés et d'invalidité ne peuvent être inférieurs au plafond "
                    "de base."
                ),
            ),
        ]


class TaxSubCeiling(models.Model):
    """A per-nature annual cap inside the global ceiling (code du travail D7233-5)."""

    rule_set = models.ForeignKey(
        TaxRuleSet, on_delete=models.CASCADE, related_name="sub_ceilings", verbose_name="barème"
    )
    nature = models.ForeignKey(ServiceNature, on_delete=models.PROTECT, verbose_name="nature")
    annual_cap = models.DecimalField("plafond annuel", max_digits=8, decimal_places=2)
    max_hours_per_intervention = models.DecimalField(
        "durée maximale par intervention (h)", max_digits=4, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "plafond spécifique"
        verbose_name_plural = "plafonds spécifiques"
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "nature"], name="one_sub_ceiling_per_nature"
            ),
            models.CheckConstraint(condition=Q(annual_cap__gte=0), name="sub_ceiling_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.nature} : {euros(self.annual_cap)}"
