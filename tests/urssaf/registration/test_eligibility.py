"""APA and PCH beneficiaries: excluded from the avance immédiate before 1 July 2027, eligible
from that day, by dated configuration that the staff can move without a code change."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from urssaf.models import AIEligibilityRule
from urssaf.registration.eligibility import excluded_aids, opening_date
from urssaf.registration.rules import APA_PCH, APA_PCH_UNTIL, aid_problems, eligibility_errors

pytestmark = pytest.mark.django_db

LAST_EXCLUDED_DAY = dt.date(2027, 6, 30)
OPENING_DAY = dt.date(2027, 7, 1)


def test_apa_and_pch_are_excluded_until_30_june_2027_and_eligible_from_1_july():
    assert excluded_aids(LAST_EXCLUDED_DAY) == {"apa", "pch"}
    assert excluded_aids(OPENING_DAY) == set()
    assert opening_date("apa", LAST_EXCLUDED_DAY) == OPENING_DAY
    assert opening_date("pch", OPENING_DAY) is None


def test_a_beneficiary_registering_the_day_before_is_told_the_opening_date():
    problems = aid_problems(apa=True, pch=True, day=LAST_EXCLUDED_DAY)

    expected = APA_PCH_UNTIL.format(date="1er juillet 2027")
    assert problems == {"apa_beneficiary": expected, "pch_beneficiary": expected}


def test_a_beneficiary_registering_on_the_opening_day_is_not_refused(alice):
    alice.apa_beneficiary = alice.pch_beneficiary = True

    assert aid_problems(apa=True, pch=True, day=OPENING_DAY) == {}
    assert "apa_beneficiary" not in eligibility_errors(alice, OPENING_DAY)
    assert "apa_beneficiary" in eligibility_errors(alice, LAST_EXCLUDED_DAY)


def test_moving_the_date_is_a_change_of_configuration_not_of_code():
    AIEligibilityRule.objects.filter(valid_from=OPENING_DAY).delete()
    AIEligibilityRule.objects.filter(valid_to=LAST_EXCLUDED_DAY).update(valid_to=None)

    assert excluded_aids(OPENING_DAY) == {"apa", "pch"}
    assert aid_problems(apa=True, pch=False, day=OPENING_DAY) == {"apa_beneficiary": APA_PCH}


def test_without_any_rule_for_the_day_both_stay_excluded():
    AIEligibilityRule.objects.all().delete()

    assert excluded_aids(OPENING_DAY) == {"apa", "pch"}


def test_overlapping_periods_are_refused_in_french():
    rule = AIEligibilityRule(
        label="Chevauchement",
        valid_from=dt.date(2027, 1, 1),
        apa_excluded=False,
        pch_excluded=True,
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.messages == ["Cette période chevauche celle d'une autre règle."]


@pytest.mark.parametrize(
    ("day", "shown"),
    [(LAST_EXCLUDED_DAY, True), (OPENING_DAY, False)],
)
def test_the_client_page_states_the_condition_only_while_it_applies(client, alice, day, shown):
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), dt.UTC), tick=False):
        client.force_login(alice.user)
        page = client.get(reverse("portal:ai_status"))

    assert page.status_code == HTTPStatus.OK
    assert ("ni de l'APA ni de la PCH" in page.content.decode()) is shown
