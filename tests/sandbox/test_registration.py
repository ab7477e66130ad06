"""Sandbox contract: POST /particulier and GET /particulier over real HTTP."""

from datetime import timedelta

import pytest

from sandbox.remote import SandboxControlError

from .samples import ALICE, REGISTERED_AT, changed, codes, registration

LUCAS = {
    "civilite": "1",
    "nomNaissance": "Laurent",
    "prenoms": "Lucas",
    "dateNaissance": "1995-05-25T00:00:00Z",
    "lieuNaissance": {
        "codePaysNaissance": "99100",
        "departementNaissance": "035",
        "communeNaissance": {"codeCommune": "238", "libelleCommune": "Rennes"},
    },
}


@pytest.fixture
def register(sandbox, token):
    """Return `register(body, token=None) -> response`."""

    def register(body, **kwargs):
        return sandbox.api("POST", "particulier", json=body, token=kwargs.get("token") or token)

    return register


@pytest.fixture
def status(sandbox, token):
    """Return `status(**params) -> response` of GET /particulier."""

    def status(token_=None, **params):
        return sandbox.api("GET", "particulier", params=params, token=token_ or token)

    return status


def person(**identity_and_changes):
    """Return Alice's contact/address/bank details with another identity."""
    return changed(ALICE, **identity_and_changes)


def test_a_known_taxpayer_is_registered_and_pending_activation(sandbox, register, status):
    response = register(ALICE)

    assert response.status_code == 200
    id_client = response.json()["idClient"]
    answer = status(idClient=id_client).json()
    assert answer["idClient"] == id_client
    assert answer["statut"]["code"] == "APPAREILLAGE_EC"
    assert answer["statut"]["etat"] != "OK"


def test_activation_validates_the_link_with_its_french_date_and_time(sandbox, register, status):
    # 23:30 UTC on 2 March is already 3 March, 00:30, in Paris.
    sandbox.set_now(REGISTERED_AT.replace(hour=23, minute=30))
    id_client = register(ALICE).json()["idClient"]

    sandbox.activate(id_client)

    statut = status(idClient=id_client).json()["statut"]
    assert statut == {
        "code": "APPAREILLAGE_VALIDE",
        "etat": "OK",
        "description": "03/03/2026 00:30",
    }


def test_identity_is_compared_without_case_accents_or_extra_spaces(sandbox, register):
    sandbox.add_taxpayer(
        {
            "civilite": "1",
            "nomNaissance": "De La Fontaine",
            "prenoms": "Jean-Noël",
            "dateNaissance": "1960-01-31",
            "lieuNaissance": {"codePaysNaissance": "99139"},
        }
    )
    body = person(
        civilite="1",
        nomNaissance="DE  LA   FONTAINE",
        prenoms="jean-noel",
        dateNaissance="1960-01-31T00:00:00Z",
        lieuNaissance={"codePaysNaissance": "99139"},
        adresseMail="jean.fontaine@demo.coop",
    )

    assert register(body).status_code == 200


def test_a_seeded_accented_taxpayer_matches_an_unaccented_registration(register):
    body = person(
        nomNaissance="CHATELAIN",
        prenoms="Eloise",
        dateNaissance="1987-09-30T00:00:00.000Z",
        lieuNaissance__departementNaissance="059",
        lieuNaissance__communeNaissance={"codeCommune": "350", "libelleCommune": "Lille"},
        adresseMail="eloise.chatelain@demo.coop",
    )

    assert register(body).status_code == 200


def test_lucas_is_unknown_to_the_tax_office_until_his_second_first_name_is_sent(register):
    body = person(**LUCAS, adresseMail="lucas.laurent@demo.coop")

    refused = register(body)
    accepted = register(changed(body, prenoms="Lucas Antoine"))

    assert refused.status_code == 400
    assert codes(refused.json()) == ["ERR_DGFIP_R2P_INCONNU"]
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"civilite": "1"},
        {"nomNaissance": "Lefevre"},
        {"prenoms": "Alice"},
        {"dateNaissance": "1972-04-13T00:00:00Z"},
        # A birth date shifted to the day before by a UTC conversion is another person.
        {"dateNaissance": "1972-04-11T23:00:00Z"},
        {"lieuNaissance__departementNaissance": "038"},
        {"lieuNaissance__communeNaissance__codeCommune": "124"},
    ],
)
def test_any_identity_difference_is_unknown_to_the_tax_office(register, change):
    response = register(registration(**change))

    assert response.status_code == 400
    assert codes(response.json()) == ["ERR_DGFIP_R2P_INCONNU"]


def test_an_overseas_birth_matches_only_with_urssafs_workaround_code(register):
    ines = person(
        nomNaissance="Mercier",
        prenoms="Ines",
        dateNaissance="1979-10-19T00:00:00Z",
        lieuNaissance={
            "codePaysNaissance": "99100",
            "departementNaissance": "974",
            "communeNaissance": {"codeCommune": "411", "libelleCommune": "Saint-Denis"},
        },
        adresseMail="ines.mercier@demo.coop",
    )

    plain = register(ines)
    workaround = register(changed(ines, lieuNaissance__communeNaissance__codeCommune="011"))

    assert codes(plain.json()) == ["ERR_DGFIP_R2P_INCONNU"]
    assert workaround.status_code == 200


def test_a_birth_abroad_is_registered_with_the_country_only(register):
    pedro = person(
        civilite="1",
        nomNaissance="Alves",
        prenoms="Pedro",
        dateNaissance="1981-03-15T00:00:00Z",
        lieuNaissance={"codePaysNaissance": "99139"},
        adresseMail="pedro.alves@demo.coop",
    )

    assert register(pedro).status_code == 200


@pytest.mark.parametrize(
    ("identity", "code"),
    [
        (
            {
                "civilite": "2",
                "nomNaissance": "Perrin",
                "prenoms": "Nathalie",
                "dateNaissance": "1998-06-14T00:00:00Z",
            },
            "ERR_DGFIP_IMPOTPART_INCONNU",
        ),
        (
            {
                "civilite": "1",
                "nomNaissance": "Marchand",
                "prenoms": "Olivier Jean",
                "dateNaissance": "1970-02-02T00:00:00Z",
                "lieuNaissance__departementNaissance": "075",
                "lieuNaissance__communeNaissance": {
                    "codeCommune": "056",
                    "libelleCommune": "Paris",
                },
            },
            "ERR_ECV_PARTICULIERS_EXISTENT",
        ),
    ],
)
def test_flagged_taxpayers_get_their_tax_office_error(register, identity, code):
    response = register(person(**identity, adresseMail="flagged@demo.coop"))

    assert response.status_code == 400
    assert codes(response.json()) == [code]


def test_a_taxpayer_added_through_the_control_api_can_be_flagged(sandbox, register):
    identity = {
        "civilite": "2",
        "nomNaissance": "Nouvelle",
        "prenoms": "Zoe",
        "dateNaissance": "2001-12-24",
        "lieuNaissance": {"codePaysNaissance": "99109"},
    }
    sandbox.add_taxpayer(identity, situation="no_tax_return")

    response = register(person(**identity, adresseMail="zoe.nouvelle@demo.coop"))

    assert codes(response.json()) == ["ERR_DGFIP_IMPOTPART_INCONNU"]


# --- schema validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("civilite", "3"),
        ("civilite", 2),
        ("nomNaissance", "Lefebvre2"),
        ("nomNaissance", "-Lefebvre"),
        ("nomNaissance", "L" * 81),
        ("prenoms", "Alice  Marie"),
        ("prenoms", "Alice "),
        ("dateNaissance", "1972-04-12T00:00:00+01:00"),
        ("dateNaissance", "12/04/1972"),
        ("numeroTelephonePortable", "0411223344"),
        ("numeroTelephonePortable", "06 11 22 33 44"),
        ("adresseMail", "alice+urssaf@demo.coop"),
        ("adressePostale.codePostal", "6900"),
        ("adressePostale.numeroVoie", "0"),
        ("adressePostale.libelleVoie", "x" * 29),
        ("coordonneeBancaire.bic", "AGRI"),
        ("coordonneeBancaire.iban", "FR76 3000 6000 0112 3456 7890 189"),
        ("lieuNaissance.codePaysNaissance", "FR"),
        ("lieuNaissance.communeNaissance.codeCommune", "69123"),
    ],
)
def test_a_schema_error_names_the_field(register, path, value):
    response = register(registration(**{path.replace(".", "__"): value}))

    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == "ERREUR_VALIDATION"
    assert error["message"].startswith(f"champ inputParticulier.{path} :")


def test_a_missing_field_is_reported_as_null(register):
    [error] = register(registration(nomNaissance=None)).json()

    assert error["message"] == "champ inputParticulier.nomNaissance : ne doit pas être nul"


def test_every_schema_error_is_reported_at_once(register):
    response = register(
        registration(adresseMail="nope", adressePostale__codePostal="1", coordonneeBancaire=None)
    )

    assert response.status_code == 400
    fields = [error["message"].split(" :")[0] for error in response.json()]
    assert fields == [
        "champ inputParticulier.adresseMail",
        "champ inputParticulier.adressePostale.codePostal",
        "champ inputParticulier.coordonneeBancaire",
    ]


def test_a_body_that_is_not_json_is_a_validation_error(sandbox, token):
    response = sandbox.session.post(
        f"{sandbox.api_base_url}/particulier",
        data=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert codes(response.json()) == ["ERREUR_VALIDATION"]


# --- business rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lieuNaissance": None}, "ERREUR_LIEU_NAISSANCE_OBLIGATOIRE"),
        ({"lieuNaissance__departementNaissance": None}, "ERREUR_LIEU_NAISSANCE_DEPT"),
        ({"lieuNaissance__departementNaissance": "69"}, "ERREUR_LIEU_NAISSANCE_DEPT_FORMAT"),
        ({"lieuNaissance__communeNaissance": None}, "ERR_LIEU_NAISSANCE_COMN"),
        (
            {"lieuNaissance__communeNaissance__libelleCommune": None},
            "ERR_LIEU_NAISSANCE_OBLIGATOIRE",
        ),
        (
            {"lieuNaissance__communeNaissance__libelleCommune": "Lyon;1er"},
            "ERREUR_LIEU_NAISSANCE_INVALIDE",
        ),
        ({"lieuNaissance__codePaysNaissance": "99139"}, "ERREUR_LIEU_NAISSANCE_PAYS"),
        ({"dateNaissance": "2027-01-01T00:00:00Z"}, "ERR_DATE_NAISSANCE_FUTUR"),
        ({"adressePostale__codeTypeVoie": None}, "ERR_CONTACT_ADRESSE_TYPEVOIE"),
        ({"adressePostale__libelleVoie": None}, "ERR_CONTACT_ADRESSE_LIBELLEVOIE"),
        ({"adressePostale__codeTypeVoie": "XYZ"}, "ERR_CONTACT_ADRESSE_TYPE_VOIE"),
        # Not in the official list although common elsewhere (API.md §0.1).
        ({"adressePostale__codeTypeVoie": "QUA"}, "ERR_CONTACT_ADRESSE_TYPE_VOIE"),
        ({"adressePostale__codeTypeVoie": "CRS"}, "ERR_CONTACT_ADRESSE_TYPE_VOIE"),
        ({"adressePostale__lettreVoie": "Z"}, "ERR_CONTACT_ADRESSE_LETTRE_VOIE"),
        (
            {"adressePostale__codeTypeVoie": None, "adressePostale__libelleVoie": None},
            "ERR_CONTACT_ADRESSE_INFORMATION_SUPPLEMENTAIRE",
        ),
        ({"coordonneeBancaire__iban": "FR7630006000011234567890188"}, "ERR_COORDONNEES_BANCAIRES"),
        ({"coordonneeBancaire__bic": "AGRIXXPP"}, "ERR_COORDONNEES_BANCAIRES"),
    ],
)
def test_a_business_rule_gives_urssafs_code(register, changes, code):
    response = register(registration(**changes))

    assert response.status_code == 400
    assert codes(response.json()) == [code]


@pytest.mark.parametrize("street_type", ["Q", "C", "CI", "VO"])
def test_official_street_types_are_accepted(register, street_type):
    response = register(registration(adressePostale__codeTypeVoie=street_type))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "changes",
    [{"adressePostale__codePostal": "75001"}, {"adressePostale__codeCommune": "96001"}],
)
def test_an_address_whose_commune_cannot_be_checked_is_not_rejected(register, changes):
    # The swagger says no existence check is done on codeCommune/libelleCommune (API.md §0.6).
    response = register(registration(**changes))

    assert response.status_code == 200, response.text


def test_a_complement_alone_is_enough_for_an_address(register):
    body = registration(
        adressePostale__codeTypeVoie=None,
        adressePostale__libelleVoie=None,
        adressePostale__numeroVoie=None,
        adressePostale__complement="Residence Les Tilleuls bat B",
    )

    assert register(body).status_code == 200


def test_corsican_and_overseas_addresses_exist(register):
    corsica = registration(adressePostale__codeCommune="2A004", adressePostale__codePostal="20000")
    reunion = registration(adressePostale__codeCommune="97411", adressePostale__codePostal="97400")

    assert register(corsica).status_code == 200
    assert codes(register(reunion).json()) == ["ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE"]


def test_bank_errors_name_the_field_but_never_echo_the_iban(register):
    iban = "FR7630006000011234567890188"
    response = register(registration(coordonneeBancaire__iban=iban))

    [error] = response.json()
    assert error["description"] == "coordonneeBancaire.iban"
    assert iban not in response.text


# --- registering again ---------------------------------------------------------------------------


def test_registering_a_pending_client_again_says_the_link_exists(register):
    register(ALICE)

    response = register(ALICE)

    assert codes(response.json()) == ["ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE"]


def test_registering_an_active_client_again_says_the_link_exists(sandbox, register):
    sandbox.activate(register(ALICE).json()["idClient"])

    assert codes(register(ALICE).json()) == ["ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE"]


def test_an_expired_activation_link_is_not_finalised_and_can_be_renewed(sandbox, register, status):
    sandbox.set_now(REGISTERED_AT)
    id_client = register(ALICE).json()["idClient"]
    sandbox.advance(days=7, seconds=1)

    expired = status(idClient=id_client).json()["statut"]["code"]
    with pytest.raises(SandboxControlError) as refused:
        sandbox.activate(id_client)
    renewed = register(ALICE)

    assert expired == "APPAREILLAGE_NF"
    assert refused.value.status == 409
    assert renewed.json() == {"idClient": id_client}
    assert status(idClient=id_client).json()["statut"]["code"] == "APPAREILLAGE_EC"


def test_the_link_is_still_pending_just_before_seven_days(sandbox, register, status):
    sandbox.set_now(REGISTERED_AT)
    id_client = register(ALICE).json()["idClient"]
    sandbox.advance(days=7, seconds=-1)

    assert status(idClient=id_client).json()["statut"]["code"] == "APPAREILLAGE_EC"


def test_another_organisation_gets_the_same_client_with_its_own_pending_link(
    sandbox, register, status
):
    id_client = register(ALICE).json()["idClient"]
    sandbox.activate(id_client)
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")

    response = register(ALICE, token=other)

    assert response.json() == {"idClient": id_client}
    assert status(other, idClient=id_client).json()["statut"]["code"] == "APPAREILLAGE_EC"
    assert status(idClient=id_client).json()["statut"]["code"] == "APPAREILLAGE_VALIDE"


def test_another_organisation_cannot_change_an_active_clients_contact(sandbox, register):
    sandbox.activate(register(ALICE).json()["idClient"])
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")

    response = register(registration(adresseMail="alice@ailleurs.fr"), token=other)

    assert codes(response.json()) == ["ERR_CONTACT"]


def test_an_email_and_phone_pair_belongs_to_one_person(register):
    register(ALICE)
    bernard = person(
        civilite="1",
        nomNaissance="Moreau",
        prenoms="Bernard Louis",
        dateNaissance="1958-09-03T00:00:00Z",
        lieuNaissance__departementNaissance="075",
        lieuNaissance__communeNaissance={"codeCommune": "056", "libelleCommune": "Paris"},
    )

    response = register(bernard)

    assert codes(response.json()) == ["ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE"]


# --- GET /particulier ----------------------------------------------------------------------------


def test_a_client_is_found_by_email_or_by_both_criteria(register, status):
    id_client = register(ALICE).json()["idClient"]

    by_email = status(adresseMail="ALICE.LEFEBVRE@demo.coop")
    by_both = status(adresseMail="alice.lefebvre@demo.coop", idClient=id_client)
    mismatch = status(adresseMail="someone@demo.coop", idClient=id_client)

    assert by_email.json()["idClient"] == id_client
    assert by_both.json()["idClient"] == id_client
    assert codes(mismatch.json()) == ["ERR_RECHERCHE_PARTICULIER"]


def test_an_unknown_client_is_not_found(status):
    response = status(idClient="00000000-0000-0000-0000-000000000000")

    assert response.status_code == 400
    assert codes(response.json()) == ["ERR_RECHERCHE_PARTICULIER"]


def test_a_status_lookup_needs_a_criterion(status):
    response = status()

    assert response.status_code == 400
    assert codes(response.json()) == ["ERREUR_VALIDATION"]


def test_another_organisation_cannot_see_a_client_it_did_not_register(sandbox, register, status):
    id_client = register(ALICE).json()["idClient"]
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")

    assert codes(status(other, idClient=id_client).json()) == ["ERR_RECHERCHE_PARTICULIER"]


def test_registration_answers_only_on_post_and_get(sandbox, token):
    response = sandbox.api("DELETE", "particulier", token=token)

    assert response.status_code == 405


def test_activation_of_an_unknown_client_is_404(sandbox):
    with pytest.raises(SandboxControlError) as refused:
        sandbox.activate("nobody")

    assert refused.value.status == 404


def test_registration_on_the_sandbox_clock_ignores_real_time(sandbox, register, status):
    sandbox.set_now(REGISTERED_AT - timedelta(days=400))
    id_client = register(ALICE).json()["idClient"]
    sandbox.set_now(REGISTERED_AT)

    assert status(idClient=id_client).json()["statut"]["code"] == "APPAREILLAGE_NF"
