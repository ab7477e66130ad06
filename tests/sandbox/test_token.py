"""Sandbox contract: the OAuth2 token endpoint and bearer tokens on the sandbox clock."""

import pytest

FORM = {
    "grant_type": "client_credentials",
    "client_id": "sandbox",
    "client_secret": "sandbox",
    "scope": "homeplus.tiersprestations",
}


def ask_token(sandbox, **changes):
    form = {key: value for key, value in {**FORM, **changes}.items() if value is not None}
    return sandbox.session.post(sandbox.token_url, data=form, timeout=5)


def lookup(sandbox, token):
    return sandbox.api("GET", "particulier", params={"idClient": "x"}, token=token)


def test_client_credentials_in_the_form_body_get_a_bearer_token(sandbox):
    response = ask_token(sandbox)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) > 20


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "other"}, 400, "invalid_scope"),
        ({"scope": None}, 400, "invalid_scope"),
    ],
)
def test_a_wrong_token_request_is_refused(sandbox, changes, status, error):
    response = ask_token(sandbox, **changes)

    assert response.status_code == status
    assert response.json()["error"] == error


def test_client_credentials_in_http_basic_get_a_bearer_token(sandbox):
    # RFC 6749 §2.3.1; two public clients authenticate this way (API.md §0.4).
    body = {"grant_type": "client_credentials", "scope": "homeplus.tiersprestations"}
    response = sandbox.session.post(
        sandbox.token_url, data=body, auth=("sandbox", "sandbox"), timeout=5
    )

    assert response.status_code == 200
    assert lookup(sandbox, response.json()["access_token"]).status_code != 401


def test_a_wrong_secret_in_http_basic_is_refused(sandbox):
    body = {"grant_type": "client_credentials", "scope": "homeplus.tiersprestations"}
    response = sandbox.session.post(
        sandbox.token_url, data=body, auth=("sandbox", "wrong"), timeout=5
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_credentials_sent_as_json_are_refused(sandbox):
    response = sandbox.session.post(sandbox.token_url, json=FORM, timeout=5)

    assert response.status_code == 400


def test_the_token_endpoint_only_accepts_post(sandbox):
    assert sandbox.session.get(sandbox.token_url, timeout=5).status_code == 405


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_the_api_refuses_a_missing_or_unknown_token(sandbox, token):
    response = sandbox.session.get(
        f"{sandbox.api_base_url}/particulier",
        params={"idClient": "x"},
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=5,
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_expires_on_the_sandbox_clock(sandbox):
    token = ask_token(sandbox).json()["access_token"]

    sandbox.advance(seconds=3599)
    still_valid = lookup(sandbox, token).status_code
    sandbox.advance(seconds=1)
    expired = lookup(sandbox, token).status_code

    assert still_valid == 400  # past authentication: the client is unknown
    assert expired == 401


def test_the_token_lifetime_is_configurable(sandbox):
    sandbox.set_faults(token_lifetime_seconds=60)

    response = ask_token(sandbox)

    assert response.json()["expires_in"] == 60


def test_a_sandbox_can_be_started_with_another_lifetime(start_sandbox):
    other = start_sandbox(token_lifetime=120)

    assert ask_token(other).json()["expires_in"] == 120


def test_tokens_of_other_credentials_are_refused_until_added(sandbox):
    refused = ask_token(sandbox, client_id="other", client_secret="pw")
    sandbox.add_organisation("other", "pw")
    accepted = ask_token(sandbox, client_id="other", client_secret="pw")

    assert refused.status_code == 401
    assert accepted.status_code == 200
