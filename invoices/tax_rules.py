"""The tax-credit rules in force, seeded as dated configuration (editable in the admin)."""

import datetime as dt
from decimal import Decimal

# Figures of CGI art. 199 sexdecies and code du travail D7233-5 as in force for 2025-2026
# (the credit was opened to every household from 2017 on). Later changes are made in the admin
# by closing this period and adding a new one.
SUB_CEILINGS = [
    ("petit-bricolage", Decimal("500.00"), Decimal("2.00")),
    ("assistance-informatique", Decimal("3000.00"), None),
    ("jardinage", Decimal("5000.00"), None),
]


def seed_tax_rules(TaxRuleSet, TaxSubCeiling, ServiceNature) -> None:
    """Create the rules of 2017 onwards if missing; the models may be historical ones."""
    rules, _ = TaxRuleSet.objects.get_or_create(
        valid_from=dt.date(2017, 1, 1),
        defaults={
            "label": "Crédit d'impôt services à la personne (depuis 2017)",
            "credit_rate": Decimal("0.500"),
            "base_ceiling": Decimal("12000.00"),
            "majoration_per_person": Decimal("1500.00"),
            "majoration_shared_custody": Decimal("750.00"),
            "majorated_ceiling_cap": Decimal("15000.00"),
            "invalidity_ceiling": Decimal("20000.00"),
            "january_advance_rate": Decimal("0.600"),
        },
    )
    for slug, cap, max_hours in SUB_CEILINGS:
        TaxSubCeiling.objects.get_or_create(
            rule_set=rules,
            nature=ServiceNature.objects.get(slug=slug),
            defaults={"annual_cap": cap, "max_hours_per_intervention": max_hours},
        )
