"""Sandbox contract: POST /demandePaiement validation, over real HTTP."""

import pytest

from .samples import ALICE, REGISTERED_AT, codes, demande, line


def test_a_valid_request_is_integrated_with_an_id(alice_id, submit, sandbox):
    response = submit(demande(alice_id))

    assert response.status_code == 200
    [item] = response.json()
    assert item["statut"] == "10"
    assert item["numFactureTiers"] == "F-2026-0001"
    assert item["idClient"] == alice_id
    assert item["idDemandePaiement"]
    assert "errors" not in item


def test_ten_requests_per_call_are_accepted(alice_id, submit):
    response = submit(*(demande(alice_id, f"F-{n}") for n in range(10)))

    assert [item["statut"] for item in response.json()] == ["10"] * 10


def test_more_than_ten_requests_are_refused_as_a_whole(alice_id, submit, sandbox):
    response = submit(*(demande(alice_id, f"F-{n}") for n in range(11)))

    assert response.status_code == 400
    assert codes(response.json()) == ["ERR_NBRE_PREST_MAX"]
    assert sandbox.demandes()["demandes"] == []


@pytest.mark.parametrize("body", [{}, [], "F-1"])
def test_the_body_must_be_a_non_empty_list(sandbox, token, body):
    response = sandbox.api("POST", "demandePaiement", json=body, token=token)

    assert response.status_code == 400
    assert codes(response.json()) == ["ERREUR_VALIDATION"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"mntFactureTTC": None}, "mntFactureTTC"),
        ({"mntFactureTTC": "75.00"}, "mntFactureTTC"),
        ({"dateFinEmploi": "2026-03-16T00:00:00+01:00"}, "dateFinEmploi"),
        ({"dateFacture": "2026-02-30"}, "dateFacture"),
        ({"inputPrestations": []}, "inputPrestations"),
        ({"inputPrestations": [line(unite="JOUR")]}, "inputPrestations[0].unite"),
        ({"inputPrestations": [line(quantite=None)]}, "inputPrestations[0].quantite"),
        ({"idTiersFacturation": None}, "idTiersFacturation"),
    ],
)
def test_a_malformed_request_rejects_the_whole_batch(alice_id, submit, sandbox, changes, path):
    response = submit(demande(alice_id, "F-OK"), demande(alice_id, "F-BAD", **changes))

    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == "ERREUR_VALIDATION"
    assert error["message"].startswith(f"champ inputDemandePaiement[1].{path} :")
    assert sandbox.demandes("F-OK")["demandes"] == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        # Dates: today is 17 March 2026, Alice's link is active since 2 March.
        (
            {"dateDebutEmploi": "2026-03-10T00:00:00Z", "dateFinEmploi": "2026-03-05T00:00:00Z"},
            "ERR_DATE_FIN_AVANT_DATE_DEB",
        ),
        ({"dateFinEmploi": "2026-04-01T00:00:00Z"}, "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE"),
        ({"dateFinEmploi": "2026-03-18T00:00:00Z"}, "ERR_DATE_FUTUR"),
        ({"dateDebutEmploi": "2026-03-01T00:00:00Z"}, "ERR_LIEN_PARTICULIER_PRESTATAIRE"),
        # To the minute (API.md §0.2): active since 2 March 08:00 UTC; now is 17 March 08:00.
        ({"dateDebutEmploi": "2026-03-02T00:00:00Z"}, "ERR_LIEN_PARTICULIER_PRESTATAIRE"),
        ({"dateDebutEmploi": "2026-03-02T07:59:00Z"}, "ERR_LIEN_PARTICULIER_PRESTATAIRE"),
        (
            {"dateDebutEmploi": "2026-03-17T08:01:00Z", "dateFinEmploi": "2026-03-17T08:01:00Z"},
            "ERR_DATE_FUTUR",
        ),
        # Amounts.
        ({"mntFactureTTC": 80}, "ERR_TOTAL_PRESTATIONS"),
        ({"mntAcompte": 37.51}, "ERR_MONTANT_ACOMPTE"),
        ({"mntFactureHT": 68.181}, "ERR_FORMAT_VALEUR"),
        (
            {"inputPrestations": [line(mntPrestationHT=68.00, mntPrestationTVA=6.82)]},
            "ERR_MNT_PREST_HT_TVA",
        ),
        ({"inputPrestations": [line(mntUnitaireTTC=24)]}, "ERR_MNT_PREST_TTC"),
        (
            {"inputPrestations": [line(mntUnitaireTTC=25.0001, quantite=3)]},
            "ERR_FORMAT_VALEUR",
        ),
        ({"mntFactureHT": -68.18}, "ERR_VALEUR_NEGATIVE"),
        # Referentials.
        ({"inputPrestations": [line(codeNature="65")]}, "ERR_CODE_NATURE"),
        ({"inputPrestations": [line(codeActivite="XYZ")]}, "ERR_CODE_ACTIVITE"),
        ({"inputPrestations": [line(codeActivite="100A001")]}, "ERR_CODE_ACTIVITE_NATURE"),
        # The client.
        ({"dateNaissanceClient": "1972-04-13T00:00:00Z"}, "ERR_PARTICULIER_INCONNU"),
        ({"idClient": "00000000-0000-0000-0000-000000000000"}, "ERR_PARTICULIER_INCONNU"),
    ],
)
def test_a_business_rule_rejects_the_request_with_urssafs_code(alice_id, submit, changes, code):
    [item] = submit(demande(alice_id, **changes)).json()

    assert code in codes(item["errors"])
    assert item["statut"] == item["errors"][0]["code"]
    assert "idDemandePaiement" not in item


def test_an_invalid_request_is_rejected_with_every_error_found(alice_id, submit):
    body = demande(
        alice_id,
        mntFactureTTC=80,
        dateFinEmploi="2026-03-20T00:00:00Z",
        inputPrestations=[line(codeNature="999")],
    )

    [item] = submit(body).json()

    assert codes(item["errors"]) == ["ERR_CODE_NATURE", "ERR_TOTAL_PRESTATIONS", "ERR_DATE_FUTUR"]


def test_a_unit_price_may_have_three_decimals_and_the_line_is_checked_to_the_cent(alice_id, submit):
    # 1.5 h at 16.667 € = 25.0005 €, invoiced 25.00 €.
    lines = [
        line(
            quantite=1.5,
            mntUnitaireTTC=16.667,
            mntPrestationTTC=25,
            mntPrestationHT=22.73,
            mntPrestationTVA=2.27,
        )
    ]
    body = demande(alice_id, mntFactureTTC=25, mntFactureHT=22.73, inputPrestations=lines)

    [item] = submit(body).json()

    assert item["statut"] == "10", item


def test_a_deposit_of_half_the_invoice_is_accepted(alice_id, submit):
    [item] = submit(demande(alice_id, mntAcompte=37.5, dateVersementAcompte="2026-03-05")).json()

    assert item["statut"] == "10", item


def test_a_known_activity_code_of_the_same_nature_is_accepted(alice_id, submit):
    [item] = submit(demande(alice_id, inputPrestations=[line(codeActivite="60A001")])).json()

    assert item["statut"] == "10", item


def test_several_lines_must_add_up_to_the_invoice_total(alice_id, submit):
    lines = [line(), line(codeNature="70", mntPrestationHT=62.50, mntPrestationTVA=12.50)]

    [wrong] = submit(demande(alice_id, "F-1", inputPrestations=lines)).json()
    [right] = submit(
        demande(alice_id, "F-2", inputPrestations=lines, mntFactureTTC=150, mntFactureHT=130.68)
    ).json()

    assert codes(wrong["errors"]) == ["ERR_TOTAL_PRESTATIONS"]
    assert right["statut"] == "10"


def test_an_invoice_number_is_accepted_once(alice_id, submit, sandbox):
    submit(demande(alice_id))

    [again] = submit(demande(alice_id)).json()

    assert codes(again["errors"]) == ["ERR_FACTURE_DOUBLON"]
    assert [s["accepted"] for s in sandbox.submissions("F-2026-0001")] == [True, False]


def test_a_number_repeated_in_one_batch_is_a_duplicate_of_its_first_occurrence(alice_id, submit):
    first, second = submit(demande(alice_id), demande(alice_id)).json()

    assert first["statut"] == "10"
    assert codes(second["errors"]) == ["ERR_FACTURE_DOUBLON"]


def test_a_batch_accepts_the_valid_requests_and_rejects_the_others(alice_id, submit, sandbox):
    good, bad = submit(demande(alice_id, "F-1"), demande(alice_id, "F-2", mntFactureTTC=1)).json()

    assert good["statut"] == "10"
    assert bad["statut"] == "ERR_TOTAL_PRESTATIONS"
    assert [d["demandePaiement"]["numFactureTiers"] for d in sandbox.demandes()["demandes"]] == [
        "F-1"
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-02T08:00:00Z", "2026-03-02T08:00:00Z"),  # the activation minute itself
        ("2026-03-02T08:00:30Z", "2026-03-17T08:00:59Z"),  # up to this very minute
    ],
)
def test_services_from_the_activation_minute_to_now_are_accepted(alice_id, submit, start, end):
    [item] = submit(demande(alice_id, dateDebutEmploi=start, dateFinEmploi=end)).json()

    assert item["statut"] == "10", item


def test_a_client_not_yet_activated_is_unknown(sandbox, token, submit):
    sandbox.set_now(REGISTERED_AT)
    id_client = sandbox.api("POST", "particulier", json=ALICE, token=token).json()["idClient"]

    [item] = submit(
        demande(
            id_client, dateDebutEmploi="2026-03-02T00:00:00Z", dateFinEmploi="2026-03-02T00:00:00Z"
        )
    ).json()

    assert codes(item["errors"]) == ["ERR_PARTICULIER_INCONNU"]


def test_another_organisation_cannot_bill_a_client_it_did_not_register(alice_id, sandbox):
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")

    [item] = sandbox.api("POST", "demandePaiement", json=[demande(alice_id)], token=other).json()

    assert codes(item["errors"]) == ["ERR_PARTICULIER_INCONNU"]


def test_invoice_numbers_are_unique_per_organisation(alice_id, sandbox, submit, token):
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")
    sandbox.api("POST", "particulier", json=ALICE, token=other)
    sandbox.activate(alice_id, client_id="other-coop")
    submit(
        demande(
            alice_id, dateDebutEmploi="2026-03-17T08:00:00Z", dateFinEmploi="2026-03-17T08:00:00Z"
        )
    )

    [item] = sandbox.api(
        "POST",
        "demandePaiement",
        json=[
            demande(
                alice_id,
                dateDebutEmploi="2026-03-17T08:00:00Z",
                dateFinEmploi="2026-03-17T08:00:00Z",
            )
        ],
        token=other,
    ).json()

    assert item["statut"] == "10", item


def test_every_submission_is_logged_for_the_control_api(alice_id, submit, sandbox):
    submit(demande(alice_id, mntFactureTTC=1))
    submit(demande(alice_id))

    submissions = sandbox.submissions("F-2026-0001")

    assert [s["accepted"] for s in submissions] == [False, True]
    assert codes(submissions[0]["errors"]) == ["ERR_TOTAL_PRESTATIONS"]
    assert len(sandbox.demandes("F-2026-0001")["demandes"]) == 1
