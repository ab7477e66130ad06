"""What URSSAF receives for a client: its normalisation, and the summary that masks the IBAN."""

import datetime as dt

import pytest

from urssaf.registration.particulier import build_particulier, describe, summary

from ...factories import ClientFactory
from .conftest import IBAN, make_ready

pytestmark = pytest.mark.django_db


def test_the_particulier_is_normalised_as_urssaf_wants_it(cooperative):
    client = make_ready(
        ClientFactory(
            cooperative=cooperative,
            birth_name="Châtelain",
            usage_name="de la Tour",
            first_names="Éloïse Anne",
            street_name="Général de Gaulle",
            street_type="AV",
            city="Sainte-Foy-lès-Lyon",
            city_insee_code="69202",
            postal_code="69110",
            email="Eloise.Chatelain@Example.org",
        )
    )

    payload = build_particulier(client).to_payload()

    assert payload["nomNaissance"] == "CHÂTELAIN"
    assert payload["nomUsage"] == "DE LA TOUR"
    assert payload["prenoms"] == "ÉLOÏSE ANNE"
    assert payload["adresseMail"] == "eloise.chatelain@example.org"
    assert payload["adressePostale"]["libelleVoie"] == "GENERAL DE GAULLE"
    assert payload["adressePostale"]["libelleCommune"] == "SAINTE-FOY-LES-LYON"
    assert payload["coordonneeBancaire"] == {
        "bic": "AGRIFRPP882",
        "iban": IBAN,
        "titulaire": "Mme Éloïse de la Tour",
    }


def test_the_birth_commune_label_is_its_name_on_the_birth_date(cooperative):
    client = make_ready(
        ClientFactory(
            cooperative=cooperative,
            birth_date=dt.date(1980, 5, 4),
            birth_department="074",
            birth_commune_code="74011",
            birth_commune_label="Annecy",  # today's name, as people often write it
        )
    )

    place = build_particulier(client).to_payload()["lieuNaissance"]

    assert place == {
        "codePaysNaissance": "99100",
        "departementNaissance": "074",
        "communeNaissance": {"codeCommune": "011", "libelleCommune": "ANNECY-LE-VIEUX"},
    }


def test_an_overseas_birth_uses_urssafs_workaround(cooperative):
    client = make_ready(
        ClientFactory(
            cooperative=cooperative,
            birth_department="974",
            birth_commune_code="97411",
            birth_commune_label="Saint-Denis",
        )
    )

    place = build_particulier(client).to_payload()["lieuNaissance"]

    assert (place["departementNaissance"], place["communeNaissance"]["codeCommune"]) == (
        "974",
        "011",
    )


def test_a_birth_abroad_sends_only_the_country(cooperative):
    client = make_ready(
        ClientFactory(
            cooperative=cooperative,
            birth_country_code="99139",
            birth_department="",
            birth_commune_code="",
            birth_commune_label="",
        )
    )

    assert build_particulier(client).to_payload()["lieuNaissance"] == {"codePaysNaissance": "99139"}
    rows = dict(describe(summary(build_particulier(client))))
    assert rows["Lieu de naissance"] == "Hors de France : PORTUGAL (code pays 99139)"


def test_the_account_holder_given_is_kept(cooperative):
    client = make_ready(ClientFactory(cooperative=cooperative), account_holder="M. et Mme Durand")
    assert build_particulier(client).bank.holder == "M. et Mme Durand"


def test_the_summary_masks_the_iban_and_keeps_everything_else(ready_alice):
    particulier = build_particulier(ready_alice)

    kept = summary(particulier)

    assert kept["coordonneeBancaire"]["iban"] == "FR76 •••• •••• 0189"
    kept["coordonneeBancaire"]["iban"] = IBAN
    assert kept == particulier.to_payload()


def test_the_confirmation_rows_are_in_french_with_the_iban_masked(ready_alice):
    rows = dict(describe(summary(build_particulier(ready_alice))))

    assert rows["Civilité"] == "Madame"
    assert rows["Date de naissance"] == "17/05/1975"
    assert rows["Lieu de naissance"] == "LYON — département 069, code commune 123"
    assert rows["Adresse"] == "8 rue DU SOLEIL / 69001 LYON (69381)"
    assert rows["IBAN"] == "FR76 •••• •••• 0189"


def test_a_client_without_bank_details_cannot_be_built(alice):
    with pytest.raises(ValueError, match="bank details"):
        build_particulier(alice)
