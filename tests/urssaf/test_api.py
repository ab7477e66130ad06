"""urssaf/urssaf_api.py against canned answers (`responses`): one seam, every error family."""

import json
import logging
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from django.core.cache import cache

from urssaf import api as urssaf_api
from urssaf.exceptions import PermanentUrssafError, TransientUrssafError
from urssaf.nomenclature import PaymentStatus
from urssaf.payloads import (
    BankAccount,
    BirthPlace,
    Particulier,
    PaymentRequestPayload,
    PostalAddress,
    ServiceLine,
)

BASE = "https://urssaf.test/atp/v1/tiersPrestations"
TOKEN_URL = "https://urssaf.test/api/oauth/v1/token"
TOKEN = "tok-123-secret"


@pytest.fixture(autouse=True)
def _urssaf(settings):
    settings.URSSAF_BASE_URL = BASE
    settings.URSSAF_TOKEN_URL = TOKEN_URL
    settings.URSSAF_CLIENT_ID = "coop-id"
    settings.URSSAF_CLIENT_SECRET = "coop-secret"
    settings.URSSAF_CONNECT_TIMEOUT = 3.0
    settings.URSSAF_READ_TIMEOUT = 7.0
    urssaf_api.clear_token_cache()
    yield
    urssaf_api.clear_token_cache()


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            TOKEN_URL, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )
        yield mock


def alice() -> Particulier:
    return Particulier(
        civility="2",
        birth_name="Lefebvre",
        first_names="Alice Marie",
        birth_date=date(1972, 4, 12),
        birth_place=BirthPlace.from_insee("99100", "69123", "Lyon"),
        mobile_phone="0611223344",
        email="alice.lefebvre@demo.coop",
        address=PostalAddress(
            commune_code="69381",
            commune_label="LYON 01",
            postal_code="69001",
            street_number="8",
            street_type="R",
            street_name="du Soleil",
        ),
        bank=BankAccount(
            iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder="Mme Alice Lefebvre"
        ),
    )


def invoice(number: str = "F-2026-0001") -> PaymentRequestPayload:
    return PaymentRequestPayload(
        id_client="cli-1",
        client_birth_date=date(1972, 4, 12),
        invoice_number=number,
        invoice_date=date(2026, 3, 17),
        period_start=date(2026, 3, 2),
        period_end=date(2026, 3, 16),
        total_ttc=Decimal("75.00"),
        total_ht=Decimal("68.18"),
        lines=(
            ServiceLine(
                nature_code="60",
                quantity=Decimal("3"),
                unit="HEURE",
                unit_price_ttc=Decimal("25.000"),
                total_ttc=Decimal("75.00"),
                total_ht=Decimal("68.18"),
                total_tva=Decimal("6.82"),
            ),
        ),
    )


def errors_body(*codes: str) -> list[dict[str, str]]:
    return [{"code": code, "message": f"message {code}", "description": ""} for code in codes]


# --- token -----------------------------------------------------------------------------------


def test_token_request_sends_credentials_and_scope_in_the_form_body(api):
    assert urssaf_api.get_access_token() == TOKEN

    sent = api.calls[0].request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in sent.headers
    form = dict(item.split("=") for item in sent.body.split("&"))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "coop-id",
        "client_secret": "coop-secret",
        "scope": "homeplus.tiersprestations",
    }


def test_token_is_reused_from_the_cache_until_renewed(api):
    urssaf_api.get_access_token()
    urssaf_api.get_access_token()

    assert len(api.calls) == 1


def test_token_is_cached_for_less_than_its_lifetime(api, monkeypatch):
    timeouts = []
    real_set = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        timeouts.append(timeout)
        return real_set(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(urssaf_api.cache, "set", recording_set)
    urssaf_api.get_access_token()

    assert timeouts == [3600 - urssaf_api.TOKEN_REFRESH_MARGIN_SECONDS]


def test_short_lived_token_is_renewed_a_tenth_of_its_life_before_expiry(api, monkeypatch):
    api.replace(responses.POST, TOKEN_URL, json={"access_token": TOKEN, "expires_in": 100})
    timeouts = []
    monkeypatch.setattr(
        urssaf_api.cache, "set", lambda key, value, timeout: timeouts.append(timeout)
    )

    urssaf_api.get_access_token()

    assert timeouts == [90]


def test_refused_credentials_are_a_permanent_error(api):
    api.replace(
        responses.POST,
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "bad client credentials"},
    )

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.get_access_token()

    assert caught.value.status_code == 401
    assert caught.value.codes == ["invalid_client"]


def test_token_server_error_is_transient(api):
    api.replace(responses.POST, TOKEN_URL, status=502, body="Bad gateway")

    with pytest.raises(TransientUrssafError):
        urssaf_api.get_access_token()


def test_expired_token_is_renewed_once_and_the_call_retried_once(api):
    api.replace(
        responses.POST,
        TOKEN_URL,
        json={"access_token": "fresh-token", "expires_in": 3600},
    )
    cache.set(urssaf_api._token_cache_key(), "stale-token", 600)
    api.post(f"{BASE}/particulier", status=401, json={"error": "invalid_token"})
    api.post(f"{BASE}/particulier", json={"idClient": "cli-1"})

    assert urssaf_api.register_client(alice()) == "cli-1"

    api_calls = [call for call in api.calls if call.request.url.startswith(BASE)]
    assert [call.request.headers["Authorization"] for call in api_calls] == [
        "Bearer stale-token",
        "Bearer fresh-token",
    ]
    assert urssaf_api.get_access_token() == "fresh-token"


def test_a_second_401_is_permanent_and_not_retried_again(api):
    api.post(f"{BASE}/particulier", status=401, json={"error": "invalid_token"})

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.status_code == 401
    assert len([call for call in api.calls if call.request.url.startswith(BASE)]) == 2


# --- POST /particulier -----------------------------------------------------------------------


def test_register_client_sends_the_urssaf_shape_and_returns_the_id(api):
    api.post(f"{BASE}/particulier", json={"idClient": "cli-1"})

    assert urssaf_api.register_client(alice()) == "cli-1"

    sent = api.calls[-1].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Content-Type"] == "application/json"
    body = json.loads(sent.body)
    assert body["civilite"] == "2"
    assert body["dateNaissance"] == "1972-04-12T00:00:00Z"
    assert body["lieuNaissance"] == {
        "codePaysNaissance": "99100",
        "departementNaissance": "069",
        "communeNaissance": {"codeCommune": "123", "libelleCommune": "Lyon"},
    }
    assert "nomUsage" not in body
    assert "lettreVoie" not in body["adressePostale"]


def test_every_error_of_a_multi_error_400_is_kept(api):
    api.post(
        f"{BASE}/particulier",
        status=400,
        json=errors_body(
            "ERREUR_VALIDATION", "ERR_CONTACT_ADRESSE_COMMUNE", "ERR_COORDONNEES_BANCAIRES"
        ),
    )

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.register_client(alice())

    error = caught.value
    assert error.status_code == 400
    assert error.codes == [
        "ERREUR_VALIDATION",
        "ERR_CONTACT_ADRESSE_COMMUNE",
        "ERR_COORDONNEES_BANCAIRES",
    ]
    assert [e.message for e in error.errors][1] == "message ERR_CONTACT_ADRESSE_COMMUNE"
    assert error.has_code("ERR_COORDONNEES_BANCAIRES")


def test_a_400_with_an_empty_body_is_permanent_without_codes(api):
    api.post(f"{BASE}/particulier", status=400, body=b"")

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.codes == []


def test_a_403_is_permanent(api):
    api.post(f"{BASE}/particulier", status=403, json=errors_body("NOT_AVAILABLE"))

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.codes == ["NOT_AVAILABLE"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(api, status):
    api.post(f"{BASE}/particulier", status=status, json=errors_body("ERREUR_TECHNIQUE"))

    with pytest.raises(TransientUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.status_code == status
    assert caught.value.retry_after is None


def test_too_many_requests_is_transient_and_carries_retry_after(api):
    api.post(f"{BASE}/particulier", status=429, headers={"Retry-After": "120"}, json=[])

    with pytest.raises(TransientUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.status_code == 429
    assert caught.value.retry_after == 120


def test_maintenance_503_carries_retry_after_given_as_a_date(api):
    api.post(
        f"{BASE}/particulier",
        status=503,
        headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"},
        body="maintenance",
    )

    with pytest.raises(TransientUrssafError) as caught:
        urssaf_api.register_client(alice())

    assert caught.value.retry_after > 0


def test_a_technical_error_code_in_a_400_is_transient(api):
    api.post(f"{BASE}/particulier", status=400, json=errors_body("ERREUR_TECHNIQUE"))

    with pytest.raises(TransientUrssafError):
        urssaf_api.register_client(alice())


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout(),
        requests.exceptions.ConnectTimeout(),
        requests.ConnectionError(),
    ],
)
def test_timeouts_and_connection_failures_are_transient(api, failure):
    api.post(f"{BASE}/particulier", body=failure)

    with pytest.raises(TransientUrssafError):
        urssaf_api.register_client(alice())


def test_an_answer_that_is_not_json_is_transient(api):
    api.post(f"{BASE}/particulier", body="<html>Maintenance</html>", content_type="text/html")

    with pytest.raises(TransientUrssafError):
        urssaf_api.register_client(alice())


def test_a_success_without_id_client_is_permanent(api):
    api.post(f"{BASE}/particulier", json={})

    with pytest.raises(PermanentUrssafError):
        urssaf_api.register_client(alice())


def test_every_call_has_a_connect_and_a_read_timeout(api, monkeypatch):
    seen = []
    real_request = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        return real_request(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    api.post(f"{BASE}/particulier", json={"idClient": "cli-1"})

    urssaf_api.register_client(alice())

    assert seen == [(3.0, 7.0), (3.0, 7.0)]


def test_logs_never_show_the_token_or_the_iban(api, caplog):
    api.post(f"{BASE}/particulier", status=400, json=errors_body("ERR_COORDONNEES_BANCAIRES"))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.register_client(alice())

    logged = caplog.text + str(caught.value) + repr(alice())
    assert TOKEN not in logged
    assert "FR7630006000011234567890189" not in logged
    assert "coop-secret" not in logged


# --- GET /particulier ------------------------------------------------------------------------


def test_client_status_is_read_by_id(api):
    api.get(
        f"{BASE}/particulier",
        json={
            "idClient": "cli-1",
            "nomNaissance": "Lefebvre",
            "prenoms": "Alice Marie",
            "adresseMail": "alice.lefebvre@demo.coop",
            "dateNaissance": "1972-04-12T00:00:00Z",
            "statut": {"code": "APPAREILLAGE_VALIDE", "etat": "OK", "description": "03/03/2026"},
        },
    )

    status = urssaf_api.get_client_status(id_client="cli-1")

    assert api.calls[-1].request.params == {"idClient": "cli-1"}
    assert status.is_active
    assert status.birth_date == date(1972, 4, 12)
    assert status.active_since.date() == date(2026, 3, 3)


def test_client_status_accepts_a_list_and_a_search_by_email(api):
    api.get(
        f"{BASE}/particulier",
        json=[{"idClient": "cli-1", "statut": {"code": "APPAREILLAGE_EC", "etat": "KO"}}],
    )

    status = urssaf_api.get_client_status(email="alice.lefebvre@demo.coop")

    assert api.calls[-1].request.params == {"adresseMail": "alice.lefebvre@demo.coop"}
    assert status.id_client == "cli-1"
    assert not status.is_active
    assert status.active_since is None


def test_unknown_client_status_is_permanent(api):
    api.get(f"{BASE}/particulier", status=400, json=errors_body("ERR_RECHERCHE_PARTICULIER"))

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.get_client_status(id_client="nobody")

    assert caught.value.codes == ["ERR_RECHERCHE_PARTICULIER"]


def test_client_status_needs_an_id_or_an_email():
    with pytest.raises(ValueError, match="idClient"):
        urssaf_api.get_client_status()


# --- POST /demandePaiement -------------------------------------------------------------------


def test_submission_sends_exact_amounts_and_zulu_dates(api):
    api.post(
        f"{BASE}/demandePaiement",
        json=[
            {
                "idClient": "cli-1",
                "idDemandePaiement": "dp-1",
                "numFactureTiers": "F-2026-0001",
                "statut": "10",
            }
        ],
    )

    [result] = urssaf_api.submit_payment_requests([invoice()])

    raw = api.calls[-1].request.body.decode()
    assert '"mntFactureHT": 68.18' in raw
    assert '"mntPrestationTVA": 6.82' in raw
    body = json.loads(raw)
    assert isinstance(body, list)
    assert body[0]["dateDebutEmploi"] == "2026-03-02T00:00:00Z"
    assert body[0]["idTiersFacturation"]
    assert result.accepted
    assert result.request_id == "dp-1"


def test_a_batch_answer_keeps_each_invoice_errors(api):
    api.post(
        f"{BASE}/demandePaiement",
        json=[
            {
                "idClient": "cli-1",
                "idDemandePaiement": "dp-1",
                "numFactureTiers": "F-1",
                "statut": "10",
            },
            {
                "idClient": "cli-1",
                "numFactureTiers": "F-2",
                "statut": "ERR_FACTURE_DOUBLON",
                "errors": errors_body("ERR_FACTURE_DOUBLON", "ERR_DATE_FUTUR"),
            },
        ],
    )

    first, second = urssaf_api.submit_payment_requests([invoice("F-1"), invoice("F-2")])

    assert first.accepted
    assert not second.accepted
    assert [error.code for error in second.errors] == ["ERR_FACTURE_DOUBLON", "ERR_DATE_FUTUR"]


def test_a_batch_refused_with_per_invoice_errors_raises_them_all(api):
    api.post(
        f"{BASE}/demandePaiement",
        status=400,
        json=[
            {"numFactureTiers": "F-1", "errors": errors_body("ERR_MNT_PREST_TTC")},
            {
                "numFactureTiers": "F-2",
                "errors": errors_body("ERR_TOTAL_PRESTATIONS", "ERR_CODE_NATURE"),
            },
        ],
    )

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.submit_payment_requests([invoice("F-1"), invoice("F-2")])

    error = caught.value
    assert {number: [e.code for e in errors] for number, errors in error.item_errors.items()} == {
        "F-1": ["ERR_MNT_PREST_TTC"],
        "F-2": ["ERR_TOTAL_PRESTATIONS", "ERR_CODE_NATURE"],
    }
    assert error.codes == ["ERR_MNT_PREST_TTC", "ERR_TOTAL_PRESTATIONS", "ERR_CODE_NATURE"]


def test_more_than_ten_invoices_are_refused_before_any_call(api):
    with pytest.raises(ValueError, match="10"):
        urssaf_api.submit_payment_requests([invoice(f"F-{n}") for n in range(11)])

    assert len(api.calls) == 0


def test_float_amounts_are_refused():
    with pytest.raises(TypeError, match="Decimal"):
        ServiceLine("60", 3.0, "HEURE", Decimal(25), Decimal(75), Decimal("68.18"), Decimal("6.82"))


# --- POST /demandePaiement/rechercher --------------------------------------------------------


def test_search_by_invoice_numbers_reads_statuses_rejections_and_transfers(api):
    api.post(
        f"{BASE}/demandePaiement/rechercher",
        json={
            "infoDemandePaiements": [
                {
                    "idDemandePaiement": "dp-1",
                    "demandePaiement": {"numFactureTiers": "F-1", "idClient": "cli-1"},
                    "statut": {"code": "50", "libelle": "Prélevée"},
                    "infoVirement": {"dateVirement": "2026-03-23T00:00:00Z"},
                },
                {
                    "idDemandePaiement": "dp-2",
                    "demandePaiement": {"numFactureTiers": "F-2"},
                    "statut": {"code": "40", "libelle": "Refusée"},
                    "infoRejet": {"code": "CONTEST_ERR_FACT", "commentaire": "Pas 3 h"},
                },
                {
                    "idDemandePaiement": "dp-3",
                    "demandePaiement": {"numFactureTiers": "F-3"},
                    "statut": {"code": "70", "libelle": "Payée"},
                    "infoVirement": {"mntVirement": 75.5, "dateVirement": "2026-03-25T00:00:00Z"},
                },
                {
                    "idDemandePaiement": "dp-4",
                    "demandePaiement": {"numFactureTiers": "F-4"},
                    "statut": {"code": "15", "libelle": "Aides calculées"},
                },
            ]
        },
    )

    result = urssaf_api.search_payment_requests(invoice_numbers=["F-1", "F-2", "F-3", "F-4"])

    assert json.loads(api.calls[-1].request.body) == {
        "numFactureTiers": ["F-1", "F-2", "F-3", "F-4"]
    }
    found = result.by_invoice_number()
    assert found["F-1"].status == PaymentStatus.DEBITED
    assert found["F-1"].transfer.date == date(2026, 3, 23)
    assert found["F-1"].transfer.amount is None
    assert found["F-2"].rejection.code == "CONTEST_ERR_FACT"
    assert found["F-3"].transfer.amount == Decimal("75.5")
    assert found["F-4"].status is None  # unknown code: surfaced, not guessed
    assert found["F-4"].status_code == "15"


def test_search_by_ids_and_period_sends_both_as_urssaf_expects(api):
    api.post(f"{BASE}/demandePaiement/rechercher", json={"infoDemandePaiements": []})

    urssaf_api.search_payment_requests(
        ids=["dp-1"], invoiced_from=date(2026, 3, 1), invoiced_to=date(2026, 3, 31)
    )

    assert json.loads(api.calls[-1].request.body) == {
        "idDemandePaiements": ["dp-1"],
        "dateDebut": "2026-03-01T00:00:00Z",
        "dateFin": "2026-03-31T00:00:00Z",
    }


def test_nothing_found_is_an_empty_result_not_an_error(api):
    api.post(
        f"{BASE}/demandePaiement/rechercher", status=400, json=errors_body("ERR_RECHERCHE_VIDE")
    )

    result = urssaf_api.search_payment_requests(invoice_numbers=["F-404"])

    assert result.items == ()


def test_partial_search_answer_keeps_its_errors(api):
    api.post(
        f"{BASE}/demandePaiement/rechercher",
        json={"infoDemandePaiements": [], "Errors": errors_body("ERR_NBRE_MAX_RESULTAT")},
    )

    result = urssaf_api.search_payment_requests(ids=["dp-1"])

    assert [error.code for error in result.errors] == ["ERR_NBRE_MAX_RESULTAT"]


def test_search_with_no_criterion_is_refused_before_any_call(api):
    with pytest.raises(ValueError, match="period"):
        urssaf_api.search_payment_requests(invoiced_from=date(2026, 3, 1))

    assert len(api.calls) == 0


def test_search_of_more_than_ten_ids_is_refused_before_any_call(api):
    with pytest.raises(ValueError, match="10"):
        urssaf_api.search_payment_requests(ids=[f"dp-{n}" for n in range(11)])


def test_search_errors_other_than_nothing_found_are_raised(api):
    api.post(
        f"{BASE}/demandePaiement/rechercher",
        status=400,
        json=errors_body("ERR_CRITERE_RECHERCHE_VIDE"),
    )

    with pytest.raises(PermanentUrssafError) as caught:
        urssaf_api.search_payment_requests(ids=["dp-1"])

    assert caught.value.codes == ["ERR_CRITERE_RECHERCHE_VIDE"]


def test_search_timeout_is_transient(api):
    api.post(f"{BASE}/demandePaiement/rechercher", body=requests.exceptions.ReadTimeout())

    with pytest.raises(TransientUrssafError):
        urssaf_api.search_payment_requests(ids=["dp-1"])


# --- every endpoint, every error family ------------------------------------------------------

ENDPOINTS = {
    "register": ("POST", "particulier", lambda: urssaf_api.register_client(alice())),
    "status": ("GET", "particulier", lambda: urssaf_api.get_client_status(id_client="cli-1")),
    "submit": ("POST", "demandePaiement", lambda: urssaf_api.submit_payment_requests([invoice()])),
    "search": (
        "POST",
        "demandePaiement/rechercher",
        lambda: urssaf_api.search_payment_requests(ids=["dp-1"]),
    ),
}
SUCCESS = {
    "register": {"idClient": "cli-1"},
    "status": {"idClient": "cli-1", "statut": {"code": "APPAREILLAGE_EC"}},
    "submit": [{"numFactureTiers": "F-2026-0001", "idDemandePaiement": "dp-1", "statut": "10"}],
    "search": {"infoDemandePaiements": []},
}


@pytest.fixture(params=sorted(ENDPOINTS))
def endpoint(request, api):
    """Return (register an answer for this endpoint, call it)."""
    method, path, call = ENDPOINTS[request.param]

    def answer(**kwargs):
        api.add(method, f"{BASE}/{path}", **kwargs)

    answer.success = SUCCESS[request.param]
    return answer, call


def test_each_endpoint_renews_an_expired_token_once(endpoint, api):
    answer, call = endpoint
    answer(status=401, json={"error": "invalid_token"})
    answer(json=answer.success)

    call()

    assert [c.request.url for c in api.calls].count(TOKEN_URL) == 2


def test_each_endpoint_maps_a_multi_error_400_to_a_permanent_error(endpoint):
    answer, call = endpoint
    answer(status=400, json=errors_body("ERREUR_VALIDATION", "ERR_CONTACT"))

    with pytest.raises(PermanentUrssafError) as caught:
        call()

    assert caught.value.codes == ["ERREUR_VALIDATION", "ERR_CONTACT"]


@pytest.mark.parametrize("status", [500, 503])
def test_each_endpoint_maps_a_server_error_to_a_transient_error(endpoint, status):
    answer, call = endpoint
    answer(status=status, json=errors_body("ERREUR_TECHNIQUE"))

    with pytest.raises(TransientUrssafError) as caught:
        call()

    assert caught.value.status_code == status


def test_each_endpoint_carries_the_retry_after_of_a_429(endpoint):
    answer, call = endpoint
    answer(status=429, headers={"Retry-After": "5"}, json=[])

    with pytest.raises(TransientUrssafError) as caught:
        call()

    assert caught.value.retry_after == 5


def test_each_endpoint_maps_a_timeout_to_a_transient_error(endpoint):
    answer, call = endpoint
    answer(body=requests.exceptions.ReadTimeout())

    with pytest.raises(TransientUrssafError):
        call()
