"""Sandbox contract: injected faults on the URSSAF paths, at the configured rates."""

import math
import time

import pytest
import requests

from sandbox.remote import SandboxControlError

from .samples import demande

FORM = {
    "grant_type": "client_credentials",
    "client_id": "sandbox",
    "client_secret": "sandbox",
    "scope": "homeplus.tiersprestations",
}


def ask_token(sandbox, timeout=5.0):
    return sandbox.session.post(sandbox.token_url, data=FORM, timeout=timeout)


def within_four_sigmas(count, trials, rate):
    return abs(count - trials * rate) <= 4 * math.sqrt(trials * rate * (1 - rate))


def test_no_fault_is_injected_by_default(sandbox):
    faults = sandbox.faults()

    assert (faults["error_rate"], faults["timeout_rate"], faults["drop_rate"]) == (0, 0, 0)
    assert faults["delay_ms"] == 0
    assert all(ask_token(sandbox).status_code == 200 for _ in range(20))


def test_errors_come_at_the_configured_rate(sandbox):
    sandbox.set_faults(error_rate=0.3, error_statuses=[500, 503], seed=1234)
    trials = 300

    statuses = [ask_token(sandbox).status_code for _ in range(trials)]

    errors = sum(status != 200 for status in statuses)
    assert within_four_sigmas(errors, trials, 0.3), errors
    assert {500, 503} == set(statuses) - {200}


def test_drops_timeouts_and_errors_share_one_draw_at_their_rates(sandbox):
    # The client waits long enough that only a timeout fault, never a loaded machine, times out.
    sandbox.set_faults(
        drop_rate=0.1, timeout_rate=0.1, error_rate=0.2, timeout_seconds=0.5, seed=99
    )
    trials = 200
    outcomes = {"drop": 0, "timeout": 0, "error": 0, "ok": 0}

    for _ in range(trials):
        try:
            status = ask_token(sandbox, timeout=0.2).status_code
        except requests.exceptions.ReadTimeout:
            outcomes["timeout"] += 1
        except requests.ConnectionError:
            outcomes["drop"] += 1
        else:
            outcomes["ok" if status == 200 else "error"] += 1

    assert within_four_sigmas(outcomes["drop"], trials, 0.1), outcomes
    assert within_four_sigmas(outcomes["timeout"], trials, 0.1), outcomes
    assert within_four_sigmas(outcomes["error"], trials, 0.2), outcomes


def test_the_same_seed_gives_the_same_faults(sandbox):
    def run():
        sandbox.set_faults(error_rate=0.5, error_statuses=[500], seed=42)
        return [ask_token(sandbox).status_code for _ in range(30)]

    assert run() == run()


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_and_maintenance_say_when_to_come_back(sandbox, status):
    sandbox.set_faults(error_rate=1, error_statuses=[status], retry_after_seconds=7)

    response = ask_token(sandbox)

    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"
    assert response.json()[0]["code"] == "ERREUR_TECHNIQUE"


def test_an_internal_error_has_no_retry_after(sandbox):
    sandbox.set_faults(error_rate=1, error_statuses=[500])

    response = ask_token(sandbox)

    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_an_error_fault_does_not_carry_out_the_request(sandbox, alice_id, token):
    sandbox.set_faults(error_rate=1, error_statuses=[503])

    sandbox.api("POST", "demandePaiement", json=[demande(alice_id)], token=token)

    assert sandbox.submissions("F-2026-0001") == []


def test_a_timeout_still_records_the_request_the_client_gave_up_on(sandbox, alice_id, token):
    sandbox.set_faults(timeout_rate=1, timeout_seconds=0.5)

    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.session.post(
            f"{sandbox.api_base_url}/demandePaiement",
            json=[demande(alice_id)],
            headers={"Authorization": f"Bearer {token}"},
            timeout=0.2,
        )

    assert [s["accepted"] for s in sandbox.submissions("F-2026-0001")] == [True]


def test_a_dropped_connection_still_records_the_request(sandbox, alice_id, token):
    sandbox.set_faults(drop_rate=1)

    with pytest.raises(requests.ConnectionError):
        sandbox.api("POST", "demandePaiement", json=[demande(alice_id)], token=token)

    assert [s["accepted"] for s in sandbox.submissions("F-2026-0001")] == [True]


def test_a_drop_before_processing_records_nothing(sandbox, alice_id, token):
    sandbox.set_faults(drop_rate=1, process_before_failure=False)

    with pytest.raises(requests.ConnectionError):
        sandbox.api("POST", "demandePaiement", json=[demande(alice_id)], token=token)

    assert sandbox.submissions("F-2026-0001") == []


def test_a_delay_slows_every_api_call(sandbox):
    sandbox.set_faults(delay_ms=200)

    started = time.monotonic()
    ask_token(sandbox)

    assert time.monotonic() - started >= 0.2


def test_faults_never_touch_the_control_api_nor_the_page(sandbox):
    sandbox.set_faults(error_rate=1, error_statuses=[500])

    assert sandbox.now()
    assert sandbox.session.get(sandbox.url + "/", timeout=5).status_code == 200


def test_a_slow_fault_does_not_block_other_requests(sandbox):
    sandbox.set_faults(timeout_rate=1, timeout_seconds=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        ask_token(sandbox, timeout=0.1)

    started = time.monotonic()
    sandbox.set_faults(timeout_rate=0)
    ask_token(sandbox)

    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "config",
    [
        {"error_rate": 0.6, "drop_rate": 0.6},
        {"error_rate": -0.1},
        {"timeout_rate": "often"},
        {"error_statuses": [200], "error_rate": 0.1},
        {"token_lifetime_seconds": 0},
        {"flood": 1},
    ],
)
def test_an_invalid_fault_configuration_is_refused(sandbox, config):
    with pytest.raises(SandboxControlError) as refused:
        sandbox.set_faults(**config)

    assert refused.value.status == 400


def test_reset_clears_the_faults(sandbox):
    sandbox.set_faults(error_rate=1, error_statuses=[500])

    sandbox.reset()

    assert ask_token(sandbox).status_code == 200
