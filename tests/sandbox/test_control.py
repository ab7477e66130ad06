"""The sandbox's control API (/__sandbox/) and its HTML console."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.remote import SandboxControlError

from .samples import ALICE, REGISTERED_AT, codes, demande


def form_post(sandbox, path, data=None):
    """Post as a browser does, even a form without fields."""
    return sandbox.session.post(
        f"{sandbox.url}/__sandbox/{path}",
        data=data or {},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=5,
    )


def page(sandbox, query=""):
    response = sandbox.session.get(f"{sandbox.url}/{query}", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return response.text


# --- clock ---------------------------------------------------------------------------------------


def test_the_clock_starts_at_real_time_after_a_reset(sandbox):
    assert abs(sandbox.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_clock_can_be_set_and_advanced(sandbox):
    sandbox.set_now(REGISTERED_AT)

    advanced = sandbox.advance(hours=1, seconds=30)

    assert REGISTERED_AT + timedelta(minutes=61) > advanced >= REGISTERED_AT + timedelta(hours=1)
    assert abs(sandbox.now() - advanced) < timedelta(seconds=2)


def test_the_clock_keeps_running_after_being_set(sandbox):
    sandbox.set_now(REGISTERED_AT)

    assert sandbox.now() >= REGISTERED_AT


@pytest.mark.parametrize("body", [{}, {"now": "tomorrow"}, {"advance_seconds": "a lot"}])
def test_a_wrong_clock_change_is_refused(sandbox, body):
    with pytest.raises(SandboxControlError) as refused:
        sandbox._post("clock", body)

    assert refused.value.status == 400


# --- reset ---------------------------------------------------------------------------------------


def test_reset_forgets_everything_but_the_seeded_taxpayers(sandbox, alice_id, submit):
    submit(demande(alice_id))
    sandbox.add_taxpayer(
        {
            **{k: ALICE[k] for k in ("civilite", "lieuNaissance")},
            "nomNaissance": "Ajout",
            "prenoms": "Temporaire",
            "dateNaissance": "1990-01-01",
        }
    )
    sandbox.set_faults(delay_ms=10)
    seeded = len(sandbox._get("taxpayers")) - 1

    sandbox.reset()

    assert sandbox.particuliers() == []
    assert sandbox.demandes() == {"demandes": [], "submissions": []}
    assert len(sandbox._get("taxpayers")) == seeded
    assert sandbox.faults()["delay_ms"] == 0
    assert abs(sandbox.now() - datetime.now(UTC)) < timedelta(seconds=5)
    assert sandbox.api("POST", "particulier", json=ALICE).status_code == 200


# --- taxpayers -----------------------------------------------------------------------------------


def test_the_directory_is_seeded_with_what_the_tax_office_knows_of_the_demo_clients(sandbox):
    people = {t["identity"]["nomNaissance"]: t for t in sandbox._get("taxpayers")}

    assert people["Laurent"]["identity"]["prenoms"] == "Lucas Antoine"
    assert (
        people["Mercier"]["identity"]["lieuNaissance"]["communeNaissance"]["codeCommune"] == "011"
    )
    assert people["Colonna"]["identity"]["lieuNaissance"]["departementNaissance"] == "02A"
    assert people["Santos"]["identity"]["lieuNaissance"] == {"codePaysNaissance": "99139"}
    assert people["Perrin"]["situation"] == "no_tax_return"
    assert people["Marchand"]["situation"] == "duplicate_civil_status"


@pytest.mark.parametrize(
    "identity",
    [
        {"civilite": "3"},
        {"lieuNaissance": {"codePaysNaissance": "99100"}},
        {"situation": "rich"},
    ],
)
def test_an_invalid_taxpayer_is_refused(sandbox, identity):
    base = {
        k: ALICE[k]
        for k in ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
    }

    with pytest.raises(SandboxControlError) as refused:
        sandbox._post("taxpayers", {**base, **identity})

    assert refused.value.status == 400


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "clock"), ("POST", "reset"), ("POST", "faults"), ("GET", "demandes"), ("POST", "x")],
)
def test_the_control_api_is_forbidden_when_disabled(start_sandbox, method, path):
    locked = start_sandbox(control_enabled=False)

    response = locked.session.request(method, f"{locked.url}/__sandbox/{path}", json={}, timeout=5)

    assert response.status_code == 403


def test_the_urssaf_api_still_works_without_the_control_api(start_sandbox):
    locked = start_sandbox(control_enabled=False)

    assert locked.api("POST", "particulier", json=ALICE).status_code == 200
    assert "<form" not in page(locked)
    assert "Alice" in page(locked)


def test_an_unknown_control_route_is_404_and_a_wrong_method_405(sandbox):
    assert sandbox.session.get(f"{sandbox.url}/__sandbox/nothing", timeout=5).status_code == 404
    assert sandbox.session.get(f"{sandbox.url}/__sandbox/reset", timeout=5).status_code == 405
    assert sandbox.session.get(f"{sandbox.url}/elsewhere", timeout=5).status_code == 404


# --- the console ---------------------------------------------------------------------------------


def test_the_console_lists_people_and_requests_with_their_statuses(sandbox, alice_id, submit):
    submit(demande(alice_id))

    html = page(sandbox)

    assert "Particuliers inscrits" in html
    assert "Alice Marie Lefebvre" in html
    assert "Confirmé" in html
    assert "F-2026-0001" in html
    assert "20 — En attente de validation" in html
    assert "75,00 €" in html
    assert "Valider (client)" in html
    assert "Contester (client)" in html
    assert "Horloge du bac à sable : <strong>17/03/2026 à 09:00</strong>" in html


def test_the_console_uses_no_external_asset(sandbox):
    html = page(sandbox)

    assert "<script src" not in html
    assert "<link" not in html
    assert "http://" not in html
    assert "https://" not in html


def test_the_clock_buttons_advance_by_an_hour_a_day_48_hours_and_4_days(sandbox):
    html = page(sandbox)

    for seconds in (3600, 86400, 172800, 345600):
        assert f"name='advance_seconds' value='{seconds}'" in html


def test_a_form_advances_the_clock_and_comes_back_with_a_message(sandbox):
    sandbox.set_now(REGISTERED_AT)

    response = form_post(sandbox, "clock", {"advance_seconds": "172800"})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/?message=")
    assert sandbox.now() >= REGISTERED_AT + timedelta(hours=48)
    assert "04/03/2026" in page(sandbox, "?message=Horloge+04/03/2026")


def test_a_form_activates_a_pending_client(sandbox):
    id_client = sandbox.api("POST", "particulier", json=ALICE).json()["idClient"]
    assert "Activer le compte" in page(sandbox)

    response = form_post(sandbox, f"particuliers/{id_client}/activate", {"client_id": "sandbox"})

    assert response.status_code == 303
    assert sandbox.particuliers()[0]["statut"]["code"] == "APPAREILLAGE_VALIDE"


def test_forms_expire_then_renew_an_active_clients_mandate(sandbox, alice_id):
    assert "Mandat échu" in page(sandbox)

    expired = form_post(sandbox, f"particuliers/{alice_id}/expire-mandate")
    after_expiry = sandbox.particuliers()[0]["statut"]["code"]
    html = page(sandbox)
    form_post(sandbox, f"particuliers/{alice_id}/renew-mandate")

    assert expired.status_code == 303
    assert after_expiry == "MANDAT_ECHU"
    assert "Mandat expiré" in html
    assert "Renouveler le mandat" in html
    assert sandbox.particuliers()[0]["statut"]["code"] == "APPAREILLAGE_VALIDE"


def test_a_form_contests_a_request_with_a_reason(sandbox, alice_id, submit):
    [item] = submit(demande(alice_id)).json()

    form_post(
        sandbox,
        f"demandes/{item['idDemandePaiement']}/contest",
        {"code": "CONTEST_FACT_REGLEE", "commentaire": "Payée en espèces"},
    )

    [found] = sandbox.demandes("F-2026-0001")["demandes"]
    assert found["infoRejet"] == {"code": "CONTEST_FACT_REGLEE", "commentaire": "Payée en espèces"}


def test_a_refused_form_comes_back_with_the_error(sandbox):
    response = form_post(sandbox, "demandes/unknown/validate")

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/?error=")


def test_a_form_adds_a_taxpayer_who_can_then_register(sandbox):
    form_post(
        sandbox,
        "taxpayers",
        {
            "civilite": "1",
            "nomNaissance": "Formulaire",
            "prenoms": "Paul",
            "dateNaissance": "1980-05-05",
            "codePaysNaissance": "99100",
            "departementNaissance": "069",
            "codeCommune": "123",
            "libelleCommune": "Lyon",
            "situation": "ok",
        },
    )
    body = {
        **ALICE,
        "civilite": "1",
        "nomNaissance": "Formulaire",
        "prenoms": "Paul",
        "dateNaissance": "1980-05-05T00:00:00Z",
        "adresseMail": "paul@demo.coop",
    }

    assert sandbox.api("POST", "particulier", json=body).status_code == 200


def test_messages_on_the_console_are_escaped(sandbox):
    assert "&lt;script&gt;" in page(sandbox, "?message=<script>alert(1)</script>")


def test_the_console_only_answers_get(sandbox):
    assert sandbox.session.post(sandbox.url + "/", timeout=5).status_code == 405


def test_the_submissions_of_an_invoice_number_are_listed(sandbox, alice_id, submit):
    submit(demande(alice_id))
    submit(demande(alice_id))

    listed = sandbox.demandes("F-2026-0001")

    assert len(listed["demandes"]) == 1
    assert listed["demandes"][0]["statut"]["code"] == "20"
    assert [codes(s["errors"]) for s in listed["submissions"]] == [[], ["ERR_FACTURE_DOUBLON"]]
