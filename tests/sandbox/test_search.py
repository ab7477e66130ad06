"""Sandbox contract: POST /demandePaiement/rechercher."""

import pytest

from sandbox import demandes as sandbox_demandes

from .samples import ALICE, codes, demande


@pytest.fixture
def three(alice_id, submit):
    """Three requests for Alice, invoiced on 15, 16 and 17 March 2026; their ids by number."""
    items = submit(
        demande(alice_id, "F-15", dateFacture="2026-03-15T00:00:00Z"),
        demande(alice_id, "F-16", dateFacture="2026-03-16T00:00:00Z"),
        demande(alice_id, "F-17", dateFacture="2026-03-17T00:00:00Z"),
    ).json()
    return {item["numFactureTiers"]: item["idDemandePaiement"] for item in items}


def numbers(response):
    return [
        info["demandePaiement"]["numFactureTiers"]
        for info in response.json()["infoDemandePaiements"]
    ]


def test_requests_are_found_by_id(search, three):
    response = search(idDemandePaiements=[three["F-15"], three["F-17"]])

    assert response.status_code == 200
    assert numbers(response) == ["F-15", "F-17"]


def test_requests_are_found_by_invoice_number(search, three):
    assert numbers(search(numFactureTiers=["F-16"])) == ["F-16"]


def test_requests_are_found_by_invoice_date(search, three):
    response = search(dateDebut="2026-03-16T00:00:00Z", dateFin="2026-03-17T00:00:00Z")

    assert numbers(response) == ["F-16", "F-17"]


def test_a_period_without_the_z_marker_is_accepted_as_urssaf_does(search, three):
    # CAERP's health check sends naive date-times and expects ERR_RECHERCHE_VIDE (API.md §0.5).
    assert numbers(search(dateDebut="2026-03-16T00:00:00", dateFin="2026-03-17T00:00:00")) == [
        "F-16",
        "F-17",
    ]
    far = search(dateDebut="2053-01-01T00:00:00")
    assert far.status_code == 400
    assert codes(far.json()) == ["ERR_RECHERCHE_VIDE"]


def test_ids_take_precedence_over_the_period(search, three):
    response = search(
        idDemandePaiements=[three["F-15"]],
        dateDebut="2026-03-16T00:00:00Z",
        dateFin="2026-03-17T00:00:00Z",
    )

    assert numbers(response) == ["F-15"]


def test_unknown_ids_are_left_out_of_a_partial_answer(search, three):
    assert numbers(search(idDemandePaiements=[three["F-15"], "unknown"])) == ["F-15"]


def test_nothing_found_is_an_error(search, three):
    response = search(numFactureTiers=["F-404"])

    assert response.status_code == 400
    assert codes(response.json()) == ["ERR_RECHERCHE_VIDE"]


def test_a_search_needs_a_criterion(search):
    response = search()

    assert response.status_code == 400
    assert codes(response.json()) == ["ERR_CRITERE_RECHERCHE_VIDE"]


@pytest.mark.parametrize("field", ["idDemandePaiements", "numFactureTiers"])
def test_at_most_ten_keys_per_search(search, field):
    response = search(**{field: [f"k-{n}" for n in range(11)]})

    assert response.status_code == 400
    assert codes(response.json()) == ["ERREUR_VALIDATION"]


def test_a_malformed_period_is_a_validation_error(search):
    response = search(dateDebut="16/03/2026")

    assert codes(response.json()) == ["ERREUR_VALIDATION"]


def test_too_many_matches_for_a_period_must_be_refined(search, three, monkeypatch):
    monkeypatch.setattr(sandbox_demandes, "MAX_SEARCH_RESULTS", 2)

    response = search(dateDebut="2026-03-01T00:00:00Z", dateFin="2026-03-31T00:00:00Z")

    assert codes(response.json()) == ["ERR_NBRE_MAX_RESULTAT"]


def test_another_organisation_sees_none_of_our_requests(sandbox, three):
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")
    sandbox.api("POST", "particulier", json=ALICE, token=other)

    response = sandbox.api(
        "POST", "demandePaiement/rechercher", json={"numFactureTiers": ["F-15"]}, token=other
    )

    assert codes(response.json()) == ["ERR_RECHERCHE_VIDE"]
