import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from invoices.models import TaxRuleSet, TaxSubCeiling
from invoices.simulator import (
    Household,
    NatureSpending,
    TaxRules,
    estimate_credit,
    household_ceiling,
)

from ..factories import nature
from .conftest import PARIS

D = Decimal

RULES = TaxRules(
    credit_rate=D("0.500"),
    base_ceiling=D("12000"),
    majoration_per_person=D("1500"),
    majoration_shared_custody=D("750"),
    majorated_ceiling_cap=D("15000"),
    invalidity_ceiling=D("20000"),
    january_advance_rate=D("0.600"),
    sub_ceilings={
        "petit-bricolage": D("500"),
        "assistance-informatique": D("3000"),
        "jardinage": D("5000"),
    },
)
ONE_CHILD = Household(dependent_children=1)


def spend(slug: str, paid: str, aids: str = "0", ai: str = "0") -> NatureSpending:
    return NatureSpending(slug=slug, label=slug, paid=D(paid), aids=D(aids), ai_credit=D(ai))


# --- Ceilings --------------------------------------------------------------------------------


def test_one_dependent_child_raises_the_ceiling_to_13_500():
    assert household_ceiling(RULES, ONE_CHILD) == D("13500")


def test_majorations_are_capped_at_15_000():
    household = Household(dependent_children=3, members_over_65=2)
    assert household_ceiling(RULES, household) == D("15000")


def test_a_child_in_shared_custody_counts_for_half_a_majoration():
    household = Household(dependent_children=1, shared_custody_children=1)
    assert household_ceiling(RULES, household) == D("14250")


def test_invalidity_sets_the_ceiling_at_20_000_without_majoration():
    household = Household(dependent_children=4, members_over_65=2, invalidity=True)
    assert household_ceiling(RULES, household) == D("20000")


def test_the_20_000_ceiling_applies_to_the_credit_of_a_large_spender():
    spendings = [spend("entretien-maison", "24000")]

    with_invalidity = estimate_credit(RULES, Household(invalidity=True), spendings)
    without = estimate_credit(RULES, Household(), spendings)

    assert (with_invalidity.retained, with_invalidity.credit) == (D("20000"), D("10000.00"))
    assert (without.retained, without.credit) == (D("12000"), D("6000.00"))
    assert with_invalidity.room == D("0")


# --- RULES.md §5 worked examples -------------------------------------------------------------


def test_example_one_gives_a_credit_of_3_250():
    estimate = estimate_credit(
        RULES, ONE_CHILD, [spend("entretien-maison", "6000"), spend("petit-bricolage", "800")]
    )

    assert estimate.retained == D("6500")
    assert estimate.credit == D("3250.00")
    assert estimate.remaining_credit == D("3250.00")
    assert estimate.room == D("7000")


def test_example_two_leaves_1_650_to_come_after_the_ai_received():
    estimate = estimate_credit(
        RULES,
        ONE_CHILD,
        [
            spend("entretien-maison", "6000", aids="200", ai="1500"),
            spend("petit-bricolage", "800"),
        ],
    )

    assert estimate.retained == D("6300")
    assert estimate.credit == D("3150.00")
    assert estimate.ai_received == D("1500")
    assert estimate.remaining_credit == D("1650.00")


# --- Sub-ceilings per nature -----------------------------------------------------------------


def test_each_nature_is_limited_by_its_own_sub_ceiling():
    estimate = estimate_credit(
        RULES,
        Household(),
        [
            spend("petit-bricolage", "800"),
            spend("assistance-informatique", "3500"),
            spend("jardinage", "6000"),
            spend("entretien-maison", "1000"),
        ],
    )

    retained = {row.slug: row.retained for row in estimate.natures}
    assert retained == {
        "petit-bricolage": D("500"),
        "assistance-informatique": D("3000"),
        "jardinage": D("5000"),
        "entretien-maison": D("1000"),
    }
    assert [row.is_capped for row in estimate.natures] == [True, True, True, False]
    assert estimate.retained == D("9500")


def test_a_nature_below_its_sub_ceiling_shows_the_room_left():
    estimate = estimate_credit(RULES, Household(), [spend("jardinage", "1200")])

    (row,) = estimate.natures
    assert row.room == D("3800")
    assert not row.is_capped


def test_sub_ceilings_apply_before_the_global_ceiling():
    estimate = estimate_credit(
        RULES, Household(), [spend("entretien-maison", "11800"), spend("jardinage", "900")]
    )

    assert estimate.retained == D("12000")
    assert estimate.credit == D("6000.00")


def test_ai_beyond_the_estimated_credit_is_reported_as_excess_not_negative():
    estimate = estimate_credit(RULES, Household(), [spend("entretien-maison", "14000", ai="7000")])

    assert estimate.remaining_credit == D("0.00")
    assert estimate.excess_ai == D("1000.00")


# --- Dated configuration ---------------------------------------------------------------------


def test_rules_are_read_from_the_rule_set_in_force(tax_rules):
    rules = TaxRules.from_rule_set(
        TaxRuleSet.objects.prefetch_related("sub_ceilings__nature").get(pk=tax_rules.pk)
    )

    assert rules.credit_rate == D("0.500")
    for figure in (
        "base_ceiling",
        "majoration_per_person",
        "majoration_shared_custody",
        "majorated_ceiling_cap",
        "invalidity_ceiling",
        "january_advance_rate",
    ):
        assert getattr(rules, figure) == getattr(tax_rules, figure), figure
    assert rules.sub_ceilings == {
        "petit-bricolage": D("500.00"),
        "assistance-informatique": D("3000.00"),
        "jardinage": D("5000.00"),
    }


def test_overlapping_rule_sets_are_refused(tax_rules):
    overlapping = TaxRuleSet(
        label="Nouveau barème",
        valid_from=dt.date(2026, 1, 1),
        credit_rate=D("0.5"),
        base_ceiling=D("12000"),
        majoration_per_person=D("1500"),
        majoration_shared_custody=D("750"),
        majorated_ceiling_cap=D("15000"),
        invalidity_ceiling=D("20000"),
        january_advance_rate=D("0.6"),
    )

    with pytest.raises(ValidationError, match="chevauche"):
        overlapping.full_clean()


# --- The page --------------------------------------------------------------------------------


def simulate(client, **params):
    return client.get(reverse("attestations:simulator"), params)


@pytest.fixture
def in_2026():
    with time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=PARIS), tick=False):
        yield


def test_simulator_shows_example_two_with_1_650_still_to_come(
    client, example_two, tax_rules, in_2026
):
    client.force_login(example_two.user)

    response = simulate(
        client,
        year=2025,
        dependent_children=1,
        shared_custody_children=0,
        members_over_65=0,
    )

    assert response.status_code == HTTPStatus.OK
    estimate = response.context["estimate"]
    assert estimate.ceiling == D("13500.00")
    assert estimate.credit == D("3150.00")
    assert estimate.remaining_credit == D("1650.00")
    body = response.content.decode()
    assert "1\u202f650,00\u00a0€" in body
    assert "60 %" in body  # the January advance, explained


def test_simulator_uses_the_rule_set_of_the_chosen_year(client, example_two, tax_rules, in_2026):
    tax_rules.valid_to = dt.date(2024, 12, 31)
    tax_rules.save()
    newer = TaxRuleSet.objects.create(
        label="Barème 2025 (fictif)",
        valid_from=dt.date(2025, 1, 1),
        credit_rate=D("0.400"),
        base_ceiling=D("12000"),
        majoration_per_person=D("1500"),
        majoration_shared_custody=D("750"),
        majorated_ceiling_cap=D("15000"),
        invalidity_ceiling=D("20000"),
        january_advance_rate=D("0.600"),
    )
    TaxSubCeiling.objects.create(
        rule_set=newer, nature=nature("petit-bricolage"), annual_cap=D("300")
    )
    client.force_login(example_two.user)

    response = simulate(
        client, year=2025, dependent_children=0, shared_custody_children=0, members_over_65=0
    )

    # 5 800 of housework + bricolage capped at 300 = 6 100, at 40 %.
    assert response.context["estimate"].credit == D("2440.00")


def test_simulator_defaults_to_the_current_year_for_an_unbound_form(
    client, example_two, tax_rules, in_2026
):
    client.force_login(example_two.user)

    response = simulate(client)

    assert response.status_code == HTTPStatus.OK
    assert response.context["year"] == 2026
    assert response.context["figures"].natures == []


def test_simulator_refuses_more_children_in_shared_custody_than_children(client, alice, in_2026):
    client.force_login(alice.user)

    response = simulate(
        client, year=2026, dependent_children=0, shared_custody_children=2, members_over_65=0
    )

    assert "font partie des enfants à charge" in response.content.decode()


def test_simulator_sends_anonymous_visitors_to_login(client):
    response = simulate(client)

    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_simulator_refuses_post(client, alice):
    client.force_login(alice.user)

    response = client.post(reverse("attestations:simulator"))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_simulator_is_for_clients_only(client, carol):
    client.force_login(carol.user)

    assert simulate(client).status_code == HTTPStatus.FORBIDDEN
