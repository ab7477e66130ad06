import datetime as dt

import pytest
import time_machine

from clients.forms import ClientForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        yield


def client_form_data(**overrides) -> dict:
    """What a provider types for Geneviève, born in Toulouse, living in Lyon 6e."""
    data = {
        "civility": "2",
        "birth_name": "Girard",
        "usage_name": "Lambert",
        "first_names": "Geneviève Anne",
        "birth_date": "1944-07-21",
        "birth_country_code": "99100",
        "birth_department": "031",
        "birth_commune_code": "31555",
        "birth_commune_label": "Toulouse",
        "email": "genevieve.lambert@example.org",
        "mobile_phone": "0677889900",
        "street_number": "41",
        "street_letter": "",
        "street_type": "BD",
        "street_name": "des Belges",
        "address_complement": "",
        "lieu_dit": "",
        "postal_code": "69006",
        "city": "Lyon",
        "city_insee_code": "69386",
    }
    data.update(overrides)
    return data


def errors_for(**overrides) -> dict:
    form = ClientForm(data=client_form_data(**overrides))
    assert not form.is_valid()
    return form.errors


def test_a_complete_client_is_valid():
    form = ClientForm(data=client_form_data())
    assert form.is_valid(), form.errors


def test_names_phone_postal_code_and_email_are_normalised():
    form = ClientForm(
        data=client_form_data(
            birth_name="  Le   Gall ",
            first_names="Anne  Sophie\u2019ea",
            mobile_phone="06 77.88-99 00",
            postal_code="69 006",
            email=" Genevieve.Lambert@Example.ORG ",
        )
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_name"] == "Le Gall"
    assert form.cleaned_data["first_names"] == "Anne Sophie'ea"
    assert form.cleaned_data["mobile_phone"] == "0677889900"
    assert form.cleaned_data["postal_code"] == "69006"
    assert form.cleaned_data["email"] == "genevieve.lambert@example.org"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+33 6 77 88 99 00", "+33677889900"), ("0033 7 77 88 99 00", "+33777889900")],
)
def test_an_international_mobile_number_keeps_the_plus_33(typed, stored):
    form = ClientForm(data=client_form_data(mobile_phone=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["mobile_phone"] == stored


@pytest.mark.parametrize("phone", ["04 72 00 00 00", "06 12 34 56", "+44 7700 900123"])
def test_a_phone_that_is_not_a_french_mobile_is_refused(phone):
    # The model's own message, checked after the separators are removed.
    assert "06 ou 07" in errors_for(mobile_phone=phone)["mobile_phone"][0]


@pytest.mark.parametrize("name", ["Girard2", "-Girard", "Girard-", "Gir@rd"])
def test_a_birth_name_with_digits_or_signs_is_refused(name):
    assert errors_for(birth_name=name)["birth_name"] == [
        "Lettres, espaces, tirets et apostrophes uniquement, sans signe au début ni à la fin."
    ]


def test_first_names_must_be_letters_separated_by_spaces():
    assert (
        "Prénoms séparés par un espace" in errors_for(first_names="Anne, Marie")["first_names"][0]
    )


def test_an_email_urssaf_would_refuse_is_refused_here():
    assert "pas de « + »" in errors_for(email="genevieve+sap@example.org")["email"][0]


def test_a_birth_date_in_the_future_is_refused():
    assert errors_for(birth_date="2026-11-24")["birth_date"] == [
        "La date de naissance ne peut pas être dans le futur."
    ]


@pytest.mark.parametrize(
    ("typed", "stored", "commune"),
    [("31", "031", "31555"), ("2a", "02A", "2A004"), ("974", "974", "97411")],
)
def test_the_birth_department_is_written_on_three_characters(typed, stored, commune):
    form = ClientForm(
        data=client_form_data(
            birth_date="1983-08-11", birth_department=typed, birth_commune_code=commune
        )
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_department"] == stored


def test_a_french_birth_needs_a_department_and_a_commune():
    errors = errors_for(birth_department="", birth_commune_code="", birth_commune_label="")
    assert errors["birth_department"] == ["Obligatoire pour une naissance en France."]
    assert errors["birth_commune_code"] == ["Obligatoire pour une naissance en France."]


def test_the_commune_label_is_filled_from_the_insee_code_when_left_empty():
    form = ClientForm(data=client_form_data(birth_commune_label=""))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_commune_label"] == "Toulouse"


def test_a_commune_outside_the_department_is_refused():
    assert errors_for(birth_department="069")["birth_commune_code"] == [
        "Toulouse (31555) n'est pas dans le département 069."
    ]


def test_a_birth_commune_code_created_after_the_birth_points_to_the_code_of_that_day():
    # Ajaccio was 20004 until Corsica was split in 1976; DGFiP knows the birth by that code.
    errors = errors_for(birth_date="1970-06-01", birth_department="02A", birth_commune_code="2A004")
    assert errors["birth_commune_code"] == [
        "Le code 2A004 n'existait pas le 01/06/1970 : indiquez celui de la commune de "
        "naissance à cette date (Ajaccio (20004))."
    ]


def test_an_unknown_birth_commune_code_is_refused():
    errors = errors_for(birth_commune_code="31999")
    assert errors["birth_commune_code"] == [
        "Code INSEE de commune inconnu (ce n'est pas le code postal)."
    ]


def test_a_foreign_birth_has_no_department_or_commune():
    form = ClientForm(
        data=client_form_data(
            birth_country_code="99139",
            birth_department="",
            birth_commune_code="",
            birth_commune_label="",
        )
    )
    assert form.is_valid(), form.errors


def test_the_birth_country_is_chosen_by_name_france_first_former_countries_included():
    choices = dict(ClientForm().fields["birth_country_code"].choices)

    assert next(iter(choices.items())) == ("99100", "FRANCE")
    assert choices["99139"] == "PORTUGAL"
    assert choices["99115"] == "TCHECOSLOVAQUIE"  # people were born there
    assert choices["99132"].startswith("ROYAUME-UNI / ")  # territories sharing its code
    assert len(choices) > 200


@pytest.mark.parametrize("code", ["99999", "PT", "", "99"])
def test_a_country_outside_the_insee_list_is_refused(code):
    errors = errors_for(
        birth_country_code=code, birth_department="", birth_commune_code="", birth_commune_label=""
    )
    expected = "Ce champ est obligatoire." if not code else "Choisissez le pays de naissance dans"
    assert errors["birth_country_code"][0].startswith(expected)


def test_a_foreign_birth_with_a_french_birthplace_is_refused():
    errors = errors_for(birth_country_code="99139")
    for field in ("birth_department", "birth_commune_code", "birth_commune_label"):
        assert errors[field] == ["À laisser vide pour une naissance à l'étranger."]


def test_a_postal_code_given_as_the_insee_code_of_residence_is_refused():
    assert errors_for(city_insee_code="75015")["city_insee_code"] == [
        "Code INSEE de commune inconnu (ce n'est pas le code postal)."
    ]


def test_a_street_name_needs_its_type_and_the_other_way_round():
    assert errors_for(street_type="")["street_type"] == ["Précisez le type de voie (rue, avenue…)."]
    assert errors_for(street_name="")["street_name"] == ["Précisez le libellé de la voie."]


def test_an_address_needs_a_street_a_complement_or_a_lieu_dit():
    errors = errors_for(street_number="", street_type="", street_name="")
    assert errors["__all__"] == [
        "Adresse : indiquez une voie, un complément d'adresse ou un lieu-dit."
    ]
    form = ClientForm(
        data=client_form_data(
            street_number="", street_type="", street_name="", lieu_dit="Les Granges"
        )
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("number", ["8bis", "0", "12-14"])
def test_a_street_number_is_digits_only(number):
    assert "Chiffres uniquement" in errors_for(street_number=number)["street_number"][0]


def test_a_repetition_index_needs_a_street_number():
    errors = errors_for(street_number="", street_letter="B")
    assert errors["street_number"] == ["Un indice de répétition suppose un numéro."]


@pytest.mark.parametrize(("code", "label"), [("Q", "quai"), ("C", "cours"), ("CI", "cité")])
def test_street_types_are_urssafs_official_codes(code, label):
    form = ClientForm(data=client_form_data(street_type=code))

    assert form.is_valid(), form.errors
    assert dict(form.fields["street_type"].choices)[code] == label


@pytest.mark.parametrize("code", ["QUA", "CRS", "CITE", "QUAI"])
def test_street_types_outside_urssafs_list_are_refused(code):
    # URSSAF answers ERR_CONTACT_ADRESSE_TYPE_VOIE for them (API.md §0.1).
    assert "street_type" in errors_for(street_type=code)
