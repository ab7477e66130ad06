"""Estimate of the client's home-services tax credit (CGI art. 199 sexdecies), over Decimal.

Pure functions: the caller brings the dated rules (TaxRules.from_rule_set), the household and
what was paid per nature; nothing here reads the database or computes the client's tax.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

from .models import TaxRuleSet, round_cents

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TaxRules:
    """The figures of one dated TaxRuleSet, detached from the database."""

    credit_rate: Decimal
    base_ceiling: Decimal
    majoration_per_person: Decimal
    majoration_shared_custody: Decimal
    majorated_ceiling_cap: Decimal
    invalidity_ceiling: Decimal
    january_advance_rate: Decimal
    sub_ceilings: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_rule_set(cls, rule_set: TaxRuleSet) -> "TaxRules":
        """Build from a rule set; prefetch `sub_ceilings__nature` to avoid a query per cap."""
        # Every other field is the rule set's column of the same name.
        figures = {
            f.name: getattr(rule_set, f.name) for f in fields(cls) if f.name != "sub_ceilings"
        }
        caps = {cap.nature.slug: cap.annual_cap for cap in rule_set.sub_ceilings.all()}
        return cls(**figures, sub_ceilings=caps)


@dataclass(frozen=True)
class Household:
    """What the client tells about the tax household; it changes the global ceiling only."""

    dependent_children: int = 0
    shared_custody_children: int = 0
    members_over_65: int = 0
    invalidity: bool = False


@dataclass(frozen=True)
class NatureSpending:
    """What was paid for one nature in the year: line 1, the aids (lines 3 + 4), the AI credit."""

    slug: str
    label: str
    paid: Decimal
    aids: Decimal = ZERO
    ai_credit: Decimal = ZERO

    @property
    def expenses(self) -> Decimal:
        """The expense that counts: aids (CESU préfinancé, APA, PCH) are not borne by the client."""
        return max(self.paid - self.aids, ZERO)


@dataclass(frozen=True)
class NatureEstimate:
    slug: str
    label: str
    expenses: Decimal
    sub_ceiling: Decimal | None
    retained: Decimal

    @property
    def is_capped(self) -> bool:
        return self.retained < self.expenses

    @property
    def room(self) -> Decimal | None:
        """What may still be spent on this nature before its own cap (None: no own cap)."""
        if self.sub_ceiling is None:
            return None
        return max(self.sub_ceiling - self.expenses, ZERO)


@dataclass(frozen=True)
class Estimate:
    ceiling: Decimal
    natures: list[NatureEstimate]
    retained: Decimal
    credit: Decimal
    ai_received: Decimal
    credit_rate: Decimal
    january_advance_rate: Decimal

    @property
    def expenses(self) -> Decimal:
        return sum((nature.expenses for nature in self.natures), ZERO)

    @property
    def remaining_credit(self) -> Decimal:
        """The credit still to come through the tax office ("reste à percevoir"), never < 0."""
        return max(self.credit - self.ai_received, ZERO)

    @property
    def excess_ai(self) -> Decimal:
        """AI received beyond the estimated credit, which the tax office would take back."""
        return max(self.ai_received - self.credit, ZERO)

    @property
    def room(self) -> Decimal:
        """Expenses that may still be made this year and count, under the global ceiling."""
        return max(self.ceiling - self.retained, ZERO)

    @property
    def room_credit(self) -> Decimal:
        return round_cents(self.room * self.credit_rate)


def household_ceiling(rules: TaxRules, household: Household) -> Decimal:
    """Return the household's annual ceiling of expenses.

    Invalidity (or a child giving right to the AEEH complement) sets the higher ceiling with no
    majoration; otherwise the base ceiling plus the majorations, capped.
    """
    if household.invalidity:
        return rules.invalidity_ceiling
    majorations = (
        rules.majoration_per_person * (household.dependent_children + household.members_over_65)
        + rules.majoration_shared_custody * household.shared_custody_children
    )
    return min(rules.base_ceiling + majorations, rules.majorated_ceiling_cap)


def estimate_credit(
    rules: TaxRules, household: Household, spendings: list[NatureSpending]
) -> Estimate:
    """Estimate the tax credit for the expenses of one year.

    Each nature's expenses are first limited by its own sub-ceiling, then the total by the
    household's ceiling; the credit is the rate applied to what remains, to the cent. The AI
    already received is reported beside it so the caller can show what is still to come.
    """
    natures = []
    for spending in spendings:
        cap = rules.sub_ceilings.get(spending.slug)
        retained = spending.expenses if cap is None else min(spending.expenses, cap)
        natures.append(
            NatureEstimate(spending.slug, spending.label, spending.expenses, cap, retained)
        )
    ceiling = household_ceiling(rules, household)
    retained = min(sum((nature.retained for nature in natures), ZERO), ceiling)
    return Estimate(
        ceiling=ceiling,
        natures=natures,
        retained=retained,
        credit=round_cents(retained * rules.credit_rate),
        ai_received=sum((spending.ai_credit for spending in spendings), ZERO),
        credit_rate=rules.credit_rate,
        january_advance_rate=rules.january_advance_rate,
    )
