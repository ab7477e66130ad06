"""Who the avance immédiate is open to, by date: the rules seeded as dated configuration.

The rows live in AIEligibilityRule (editable in the admin); this module seeds them and reads
them. tax/RULES.md §3: APA and PCH beneficiaries are excluded "until at least 1 July 2027", the
date announced for their entry.
"""

import datetime as dt

APA_PCH_OPENING = dt.date(2027, 7, 1)

SEED = [
    (
        "Avance immédiate sans les bénéficiaires de l'APA et de la PCH",
        dt.date(2022, 1, 1),
        APA_PCH_OPENING - dt.timedelta(days=1),
        True,
        True,
    ),
    (
        "Avance immédiate ouverte aux bénéficiaires de l'APA et de la PCH",
        APA_PCH_OPENING,
        None,
        False,
        False,
    ),
]


def seed_eligibility_rules(AIEligibilityRule) -> None:
    """Create the announced periods if missing; the model may be a historical one."""
    for label, valid_from, valid_to, apa, pch in SEED:
        AIEligibilityRule.objects.get_or_create(
            valid_from=valid_from,
            defaults={
                "label": label,
                "valid_to": valid_to,
                "apa_excluded": apa,
                "pch_excluded": pch,
            },
        )


def excluded_aids(day: dt.date) -> set[str]:
    """Return the aids ("apa", "pch") whose beneficiaries cannot use the service on `day`.

    With no rule for that day, both stay excluded: refusing is reversible, sending is not.
    """
    from .models import AIEligibilityRule

    rule = AIEligibilityRule.objects.in_force_on(day).first()
    if rule is None:
        return {"apa", "pch"}
    return {
        aid
        for aid, excluded in (("apa", rule.apa_excluded), ("pch", rule.pch_excluded))
        if excluded
    }


def opening_date(aid: str, day: dt.date) -> dt.date | None:
    """Return when a later period opens the service to this aid's beneficiaries, if one does."""
    from .models import AIEligibilityRule

    later = AIEligibilityRule.objects.filter(valid_from__gt=day).order_by("valid_from")
    for rule in later:
        if not getattr(rule, f"{aid}_excluded"):
            return rule.valid_from
    return None
