"""The sandbox keeps its state in its own store across restarts, and under concurrency."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from .samples import ALICE, INVOICED_AT, REGISTERED_AT, demande


def test_everything_survives_a_restart(start_sandbox, tmp_path):
    data_dir = tmp_path / "kept"
    first = start_sandbox(data_dir)
    token = first.token()
    first.set_now(REGISTERED_AT)
    id_client = first.api("POST", "particulier", json=ALICE, token=token).json()["idClient"]
    first.activate(id_client)
    first.set_now(INVOICED_AT)
    first.api("POST", "demandePaiement", json=[demande(id_client)], token=token)
    first.validate(first.demandes("F-2026-0001")["demandes"][0]["idDemandePaiement"])
    first.add_organisation("other-coop", "other-secret")
    first.set_faults(delay_ms=1)
    first.stop()

    second = start_sandbox(data_dir)

    assert (data_dir / "sandbox.sqlite3").exists()
    assert abs(second.now() - INVOICED_AT) < timedelta(seconds=10)
    status = second.api("GET", "particulier", params={"idClient": id_client}, token=token)
    assert status.json()["statut"]["code"] == "APPAREILLAGE_VALIDE"
    [found] = second.demandes("F-2026-0001")["demandes"]
    assert found["statut"]["code"] == "30"
    assert second.faults()["delay_ms"] == 1
    assert second.token(client_id="other-coop", client_secret="other-secret")


def test_two_sandboxes_on_different_directories_share_nothing(start_sandbox, tmp_path):
    one = start_sandbox(tmp_path / "one")
    two = start_sandbox(tmp_path / "two")

    one.api("POST", "particulier", json=ALICE)

    assert len(one.particuliers()) == 1
    assert two.particuliers() == []


def test_concurrent_workers_never_get_an_invoice_accepted_twice(sandbox, alice_id):
    tokens = [sandbox.token() for _ in range(4)]

    def send(n):
        token = tokens[n % len(tokens)]
        shared = sandbox.api(
            "POST", "demandePaiement", json=[demande(alice_id, "F-SHARED")], token=token
        )
        own = sandbox.api(
            "POST", "demandePaiement", json=[demande(alice_id, f"F-{n}")], token=token
        )
        return shared.status_code, own.json()[0]["statut"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, range(48)))

    assert {status for status, _ in results} == {200}
    assert all(own == "10" for _, own in results)
    accepted = [s for s in sandbox.submissions("F-SHARED") if s["accepted"]]
    assert len(accepted) == 1
    assert len(sandbox.submissions("F-SHARED")) == 48
