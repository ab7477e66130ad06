"""The avance immédiate form: every refusal before URSSAF, the normalisation, the birth commune."""

import datetime as dt

import pytest
import time_machine

from urssaf.registration.forms import CIVILITY_REFUSED, AIRegistrationForm, AIStaffCorrectionForm
from urssaf.registration.rules import APA_PCH_UNTIL, NO_TAX_RETURN, TOO_YOUNG

from ...clients.test_forms import client_form_data
from .conftest import IBAN

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        yield


def ai_form_data(**overrides) -> dict:
    """What Geneviève types to register: her record plus the URSSAF questions."""
    data = client_form_data(
        email_confirmation="genevieve.lambert@example.org",
        iban="FR76 3000 6000 0112 3456 7890 189",
        bic="AGRIFRPP882",
        account_holder="",
        has_filed_tax_return="yes",
        known_elsewhere="no",
    )
    data.update(overrides)
    return data


def form_for(**overrides) -> AIRegistrationForm:
    return AIRegistrationForm(data=ai_form_data(**overrides))


def errors_for(**overrides) -> dict:
    form = form_for(**overrides)
    assert not form.is_valid()
    return form.errors


def test_a_complete_registration_is_valid():
    form = form_for()

    assert form.is_valid(), form.errors
    data = form.registration_data()
    assert data["iban"] == IBAN
    assert data["bic"] == "AGRIFRPP882"
    assert data["has_filed_tax_return"] is True
    assert "email_confirmation" not in data
    assert "known_elsewhere" not in data


# --- civility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Mr", "Mme", "M. ou Mme", "Mr ou Mme", "M", "3", ""])
def test_only_madame_or_monsieur_is_accepted(typed):
    assert errors_for(civility=typed)["civility"] == [CIVILITY_REFUSED]


@pytest.mark.parametrize(("value", "label"), [("1", "Monsieur"), ("2", "Madame")])
def test_madame_and_monsieur_are_the_urssaf_codes(value, label):
    form = form_for(civility=value)
    assert form.is_valid(), form.errors
    assert dict(form.fields["civility"].choices)[value] == label


# --- identity -----------------------------------------------------------------------------------


def test_the_birth_name_field_says_where_the_usage_name_goes():
    help_text = AIRegistrationForm().fields["birth_name"].help_text
    assert "nom d'usage" in help_text.lower()
    assert "acte de naissance" in help_text


def test_first_names_ask_for_all_of_them_in_order():
    assert "Tous vos prénoms, dans l'ordre" in AIRegistrationForm().fields["first_names"].help_text


def test_names_are_normalised_before_anything_is_sent():
    form = form_for(birth_name="  Le   Gall ", first_names="Anne  Marie\u2019ea", usage_name="")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_name"] == "Le Gall"
    assert form.cleaned_data["first_names"] == "Anne Marie'ea"


def test_a_birth_date_in_the_future_is_refused():
    assert "futur" in errors_for(birth_date="2027-01-01")["birth_date"][0]


def test_a_minor_is_refused():
    assert errors_for(birth_date="2008-11-24")["birth_date"] == [TOO_YOUNG]


def test_someone_eighteen_today_may_register():
    assert form_for(birth_date="2008-11-23").is_valid()


# --- contact --------------------------------------------------------------------------------------


def test_the_email_must_be_typed_twice_the_same():
    errors = errors_for(email_confirmation="genevieve.lambert@example.com")
    assert errors["email_confirmation"] == ["Les deux adresses e-mail ne sont pas identiques."]


def test_the_confirmation_ignores_case_and_spaces():
    assert form_for(email_confirmation=" Genevieve.Lambert@Example.org ").is_valid()


def test_an_email_with_a_plus_is_refused_as_urssaf_would():
    errors = errors_for(email="gen+sap@example.org", email_confirmation="gen+sap@example.org")
    assert "pas de « + »" in errors["email"][0]


# --- eligibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["apa_beneficiary", "pch_beneficiary"])
@time_machine.travel(dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC), tick=False)
def test_apa_and_pch_beneficiaries_are_told_ai_is_not_open_to_them_yet(field):
    assert errors_for(**{field: "on"})[field] == [APA_PCH_UNTIL.format(date="1er juillet 2027")]


def test_without_a_prior_tax_return_registration_is_refused():
    assert errors_for(has_filed_tax_return="no")["has_filed_tax_return"] == [NO_TAX_RETURN]


def test_the_tax_return_question_must_be_answered():
    errors = errors_for(has_filed_tax_return="")
    assert errors["has_filed_tax_return"] == ["Répondez par oui ou par non."]


def checked_answers(form: AIRegistrationForm) -> list[str]:
    return [
        radio.data["value"]
        for radio in form["has_filed_tax_return"].subwidgets
        if radio.data["selected"]
    ]


def test_a_recorded_tax_return_is_shown_answered_yes(ready_alice):
    assert checked_answers(AIRegistrationForm(instance=ready_alice)) == ["yes"]
    # The staff correcting her identity do not answer the question for her again.
    assert checked_answers(AIStaffCorrectionForm(instance=ready_alice)) == ["yes"]


def test_an_unanswered_tax_return_question_is_not_shown_as_no(alice):
    assert not alice.has_filed_tax_return
    assert checked_answers(AIRegistrationForm(instance=alice)) == []


# --- bank details ---------------------------------------------------------------------------------


def test_an_invalid_iban_is_refused():
    errors = errors_for(iban="FR76 3000 6000 0112 3456 7890 188")
    assert errors["iban"] == ["IBAN invalide : vérifiez le numéro de compte."]


def test_an_invalid_bic_is_refused():
    assert "BIC invalide" in errors_for(bic="AGRI")["bic"][0]


def test_a_missing_bic_is_found_from_the_iban():
    form = form_for(bic="")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["bic"] == "AGRIFRPPXXX"


def test_a_stored_iban_is_never_sent_back_and_kept_when_left_blank(ready_alice):
    data = ai_form_data(iban="", email=ready_alice.email, email_confirmation=ready_alice.email)
    form = AIRegistrationForm(data=data, instance=ready_alice)

    assert IBAN not in AIRegistrationForm(instance=ready_alice).as_div()
    assert "FR76 •••• •••• 0189" in form.fields["iban"].help_text
    assert form.is_valid(), form.errors
    assert form.cleaned_data["iban"] == IBAN


# --- birth commune at the birth date --------------------------------------------------------------


def test_a_merged_commune_resolves_by_its_name_at_the_birth_date():
    # Annecy-le-Vieux (74011) merged into Annecy (74010) on 1 January 2017.
    form = form_for(
        birth_date="1980-05-04",
        birth_department="",
        birth_commune_code="",
        birth_commune_label="annecy le vieux",
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_commune_code"] == "74011"
    assert form.cleaned_data["birth_commune_label"] == "Annecy-le-Vieux"
    assert form.cleaned_data["birth_department"] == "074"


def test_a_commune_of_the_seine_resolves_to_its_code_before_1968():
    # Saint-Denis was 75066 (Seine) until the 1968 reorganisation made it 93066.
    form = form_for(
        birth_date="1960-02-01",
        birth_department="075",
        birth_commune_code="",
        birth_commune_label="Saint-Denis",
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_commune_code"] == "75066"


def test_todays_department_for_a_birth_before_1968_points_to_the_department_of_the_day():
    errors = errors_for(
        birth_date="1960-02-01",
        birth_department="093",
        birth_commune_code="",
        birth_commune_label="Saint-Denis",
    )

    message = errors["birth_commune_code"][0]
    assert message.startswith("Aucune commune de ce nom dans ce département le 01/02/1960")
    assert "Saint-Denis (75066) dans le département 75" in message


def test_the_same_name_after_1968_resolves_to_the_new_code():
    form = form_for(
        birth_date="1975-02-01",
        birth_department="093",
        birth_commune_code="",
        birth_commune_label="Saint-Denis",
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_commune_code"] == "93066"


def test_todays_code_for_a_birth_before_the_recoding_is_refused_with_the_right_one():
    # Ajaccio was 20004 until Corsica was split into 2A/2B in 1976.
    errors = errors_for(
        birth_date="1970-06-01",
        birth_department="02A",
        birth_commune_code="2A004",
        birth_commune_label="",
    )
    assert "20004" in errors["birth_commune_code"][0]


def test_an_unknown_commune_code_is_refused():
    errors = errors_for(birth_commune_code="99999", birth_commune_label="")
    assert errors["birth_commune_code"] == [
        "Code INSEE de commune inconnu (ce n'est pas le code postal)."
    ]


def test_an_unknown_commune_name_is_refused():
    errors = errors_for(birth_commune_code="", birth_commune_label="Trifouilly-les-Oies")
    assert "Aucune commune de ce nom" in errors["birth_commune_code"][0]


def test_an_ambiguous_commune_name_asks_for_the_code():
    errors = errors_for(
        birth_department="", birth_commune_code="", birth_commune_label="Saint-Denis"
    )
    message = errors["birth_commune_code"][0]
    assert message.startswith("Plusieurs communes portent ce nom le 21/07/1944")
    assert "Saint-Denis (75066)" in message
    assert "Pierrefitte" not in message


def test_a_birth_abroad_needs_no_commune():
    form = form_for(
        birth_country_code="99139",
        birth_department="",
        birth_commune_code="",
        birth_commune_label="",
    )
    assert form.is_valid(), form.errors


# --- the staff's correction form ------------------------------------------------------------------


def test_the_staff_form_has_the_same_checks_without_the_clients_questions(ready_alice):
    form = AIStaffCorrectionForm(
        data=ai_form_data(civility="Mme", email_confirmation=""), instance=ready_alice
    )

    assert "email_confirmation" not in form.fields
    assert "known_elsewhere" not in form.fields
    assert not form.is_valid()
    assert form.errors["civility"] == [CIVILITY_REFUSED]
