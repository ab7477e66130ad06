"""Sandbox contract: payment-request statuses follow events and the sandbox clock."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.lifecycle import Event, replay
from sandbox.nomenclature import PaymentStatus
from sandbox.remote import SandboxControlError

from .samples import ALICE, codes, demande

T0 = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)


@pytest.fixture
def demande_id(alice_id, submit):
    """A 75 € request for Alice, submitted on 17 March 2026 at 08:00 UTC."""
    [item] = submit(demande(alice_id)).json()
    return item["idDemandePaiement"]


@pytest.fixture
def info(search, demande_id):
    """Return `info() -> InfoDemandePaiement` of the request, as the status search shows it."""

    def info():
        response = search(idDemandePaiements=[demande_id])
        assert response.status_code == 200, response.text
        [found] = response.json()["infoDemandePaiements"]
        return found

    return info


def code(found):
    return found["statut"]["code"]


def test_a_new_request_awaits_the_clients_validation_at_once(info):
    found = info()

    assert found["statut"] == {"code": "20", "libelle": "En attente de validation"}
    assert found["demandePaiement"]["numFactureTiers"] == "F-2026-0001"
    assert found["demandePaiement"]["mntFactureHT"] == 68.18
    assert "infoVirement" not in found
    assert "infoRejet" not in found


def test_silence_validates_the_request_after_48_hours(sandbox, info):
    sandbox.advance(hours=48, seconds=-1)
    before = code(info())
    sandbox.advance(seconds=1)

    assert before == "20"
    assert code(info()) == "30"


def test_the_client_validating_moves_it_to_30_at_once(sandbox, demande_id, info):
    answer = sandbox.validate(demande_id)

    assert answer["statut"]["code"] == "30"
    assert code(info()) == "30"


def test_the_client_contesting_refuses_it_with_the_reason(sandbox, demande_id, info):
    sandbox.contest(demande_id, code="CONTEST_ERR_FACT", commentaire="Il n'y a eu que 2 h")
    sandbox.advance(days=10)

    found = info()
    assert code(found) == "40"
    assert found["infoRejet"] == {"code": "CONTEST_ERR_FACT", "commentaire": "Il n'y a eu que 2 h"}


def test_the_debit_comes_two_days_after_validation_with_a_scheduled_transfer(
    sandbox, demande_id, info
):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)

    found = info()
    assert code(found) == "50"
    # The transfer date is known before the amount.
    assert found["infoVirement"] == {"dateVirement": "2026-03-21T00:00:00Z"}


def test_the_provider_is_paid_four_days_after_validation(sandbox, demande_id, info):
    sandbox.validate(demande_id)
    sandbox.advance(days=4)

    found = info()
    assert found["statut"] == {"code": "70", "libelle": "Payée"}
    assert found["infoVirement"] == {"mntVirement": 75, "dateVirement": "2026-03-21T00:00:00Z"}


def test_the_whole_silent_journey_goes_20_30_50_70(sandbox, info):
    seen = [code(info())]
    for hours in (48, 48, 48):
        sandbox.advance(hours=hours)
        seen.append(code(info()))

    assert seen == ["20", "30", "50", "70"]


def test_the_transfer_deducts_the_deposit_the_client_already_paid(
    sandbox, alice_id, submit, search
):
    [item] = submit(demande(alice_id, "F-ACOMPTE", mntAcompte=30)).json()
    sandbox.validate(item["idDemandePaiement"])
    sandbox.advance(days=4)

    [found] = search(numFactureTiers=["F-ACOMPTE"]).json()["infoDemandePaiements"]

    assert found["infoVirement"]["mntVirement"] == 45


@pytest.mark.parametrize("days_after_validation", [0, 2, 4])
def test_a_refused_debit_puts_the_request_in_60(sandbox, demande_id, info, days_after_validation):
    sandbox.validate(demande_id)
    sandbox.advance(days=days_after_validation)

    sandbox.refuse_debit(demande_id)

    assert code(info()) == "60"


def test_a_debit_bounces_while_the_request_is_still_30(sandbox, demande_id, info):
    # 30 = "validée, le prélèvement a été initié": it may bounce before 50 (API.md §0.3).
    sandbox.validate(demande_id)
    assert code(info()) == "30"

    sandbox.refuse_debit(demande_id)

    assert code(info()) == "60"


def test_an_unpaid_request_can_be_recovered_by_the_provider(sandbox, demande_id, info):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)

    sandbox.recover(demande_id)

    assert info()["statut"] == {"code": "120", "libelle": "Recouvrée"}


def test_an_unpaid_request_can_be_cancelled(sandbox, demande_id, info):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)

    sandbox.cancel_unpaid(demande_id)

    assert info()["statut"] == {"code": "111", "libelle": "Annulée après impayé"}


def test_a_paid_then_refused_request_keeps_its_transfer(sandbox, demande_id, info):
    sandbox.validate(demande_id)
    sandbox.advance(days=5)
    sandbox.refuse_debit(demande_id)

    found = info()
    assert code(found) == "60"
    assert found["infoVirement"]["mntVirement"] == 75


def test_a_cancelled_request_says_why(sandbox, demande_id, info):
    sandbox.cancel(demande_id, code="ANNUL_DBL", commentaire="Envoyée deux fois")
    sandbox.advance(days=10)

    found = info()
    assert found["statut"] == {"code": "110", "libelle": "Annulée"}
    assert found["infoRejet"] == {"code": "ANNUL_DBL", "commentaire": "Envoyée deux fois"}


@pytest.mark.parametrize(
    ("action", "days"),
    [("validate", 3), ("contest", 3), ("cancel", 5), ("refuse-debit", 0), ("recover", 0)],
)
def test_an_action_out_of_its_status_is_a_conflict(sandbox, demande_id, info, action, days):
    sandbox.advance(days=days)
    before = code(info())

    with pytest.raises(SandboxControlError) as refused:
        sandbox._act(demande_id, action)

    assert refused.value.status == 409
    assert code(info()) == before


def test_a_contest_needs_a_contest_reason(sandbox, demande_id):
    with pytest.raises(SandboxControlError) as refused:
        sandbox.contest(demande_id, code="ANNUL_DBL")

    assert refused.value.status == 400


def test_an_action_on_an_unknown_request_is_404(sandbox):
    with pytest.raises(SandboxControlError) as refused:
        sandbox.validate("nope")

    assert refused.value.status == 404


def test_a_refused_debit_blocks_the_clients_account(sandbox, alice_id, demande_id, submit, token):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)

    statut = sandbox.api("GET", "particulier", params={"idClient": alice_id}, token=token).json()
    [item] = submit(demande(alice_id, "F-2026-0002")).json()

    assert statut["statut"]["code"] == "PARTICULIER_BLOQUE"
    assert codes(item["errors"]) == ["ERR_CMPT_BLOQUE"]


def test_an_expired_mandate_refuses_new_requests_until_it_is_renewed(
    sandbox, alice_id, submit, token
):
    def statut():
        answer = sandbox.api("GET", "particulier", params={"idClient": alice_id}, token=token)
        return answer.json()["statut"]

    expired = sandbox.expire_mandate(alice_id)
    [refused] = submit(demande(alice_id, "F-2026-0002")).json()
    seen_expired = statut()
    sandbox.renew_mandate(alice_id)
    [accepted] = submit(demande(alice_id, "F-2026-0003")).json()

    assert expired["statut"]["code"] == "MANDAT_ECHU"
    assert seen_expired["code"] == "MANDAT_ECHU"
    assert seen_expired["description"] == "Mandat de prélèvement SEPA échu le 17/03/2026"
    assert codes(refused["errors"]) == ["ERR_MANDAT_ECHU"]
    assert "idDemandePaiement" not in refused
    assert statut()["code"] == "APPAREILLAGE_VALIDE"
    assert accepted["idDemandePaiement"]


def test_the_mandate_of_an_unknown_client_is_404(sandbox):
    with pytest.raises(SandboxControlError) as refused:
        sandbox.expire_mandate("nope")

    assert refused.value.status == 404


def test_a_blocked_client_cannot_be_registered_by_another_organisation(
    sandbox, alice_id, demande_id
):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)
    sandbox.add_organisation("other-coop", "other-secret")
    other = sandbox.token(client_id="other-coop", client_secret="other-secret")

    response = sandbox.api("POST", "particulier", json=ALICE, token=other)

    assert codes(response.json()) == ["ERR_COMPTE_BLOQUE"]


def test_the_block_ends_when_the_unpaid_request_is_settled(sandbox, alice_id, demande_id, submit):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)
    sandbox.recover(demande_id)

    [item] = submit(demande(alice_id, "F-2026-0002")).json()

    assert item["statut"] == "10"


def test_the_block_ends_after_four_weeks(sandbox, alice_id, demande_id, submit):
    sandbox.validate(demande_id)
    sandbox.advance(days=2)
    sandbox.refuse_debit(demande_id)
    sandbox.advance(days=28, seconds=1)

    body = demande(
        alice_id,
        "F-2026-0002",
        dateFacture="2026-04-17T00:00:00Z",
        dateDebutEmploi="2026-04-01T00:00:00Z",
        dateFinEmploi="2026-04-16T00:00:00Z",
    )
    [item] = submit(body).json()

    assert item["statut"] == "10", item


# --- the replay itself, without HTTP --------------------------------------------------------------


def test_replay_ignores_actions_dated_after_now():
    events = [Event("validate", T0 + timedelta(hours=1), {})]

    assert (
        replay(T0, events, now=T0 + timedelta(minutes=30)).status
        == PaymentStatus.AWAITING_VALIDATION
    )


def test_replay_ignores_an_action_that_came_too_late():
    # The clock was moved back and the client "validated" after the 48 h had run.
    events = [Event("contest", T0 + timedelta(hours=49), {"code": "CONTEST_AUTRE"})]

    assert replay(T0, events, now=T0 + timedelta(hours=50)).status == PaymentStatus.VALIDATED


def test_replay_starts_the_debit_delay_from_the_validation():
    events = [Event("validate", T0 + timedelta(hours=10), {})]

    state = replay(T0, events, now=T0 + timedelta(hours=10, days=2))

    assert state.status == PaymentStatus.DEBITED
    assert state.debited_at == T0 + timedelta(hours=10, days=2)
