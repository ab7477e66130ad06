"""The avance immédiate timeline of an invoice: expected dates from the real event times,
late steps, the countdown's deadline (time-machine sets "now")."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from invoices.models import Payout, PayoutStatus
from urssaf.models import PaymentRequest, RequestState
from urssaf.payments.timeline import StepState, build_timeline

PARIS = ZoneInfo("Europe/Paris")
SENT = dt.datetime(2026, 3, 17, 10, 0, tzinfo=PARIS)
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def request(code: str, **fields) -> PaymentRequest:
    values = {
        "state": RequestState.SUBMITTED,
        "urssaf_id": "dp-1",
        "status_code": code,
        "submitted_at": SENT,
        "status_changed_at": SENT,
    }
    return PaymentRequest(**{**values, **fields})


def timeline_at(moment: dt.datetime, req: PaymentRequest, payout: Payout | None = None):
    with time_machine.travel(moment, tick=False):
        return build_timeline(req, payout, timezone.now())


def steps(timeline) -> dict:
    return {step.key: step for step in timeline.steps}


def test_a_request_just_sent_counts_down_to_48_hours_and_projects_the_next_steps():
    timeline = timeline_at(SENT + 2 * HOUR, request("20"))
    found = steps(timeline)

    assert timeline.deadline == SENT + 48 * HOUR
    assert (found["sent"].state, found["sent"].at) == (StepState.DONE, SENT)
    assert found["validation"].state == StepState.CURRENT
    assert found["validation"].expected == SENT + 48 * HOUR
    assert found["debit"].expected == SENT + 48 * HOUR + 2 * DAY  # J+2 after validation
    assert found["transfer"].expected == SENT + 48 * HOUR + 4 * DAY  # J+4
    assert [found[key].state for key in ("debit", "transfer", "received", "payout")] == [
        StepState.UPCOMING
    ] * 4


def test_an_early_validation_brings_the_expected_debit_and_transfer_forward():
    validated = SENT + 3 * HOUR
    timeline = timeline_at(SENT + 5 * HOUR, request("30", validated_at=validated))
    found = steps(timeline)

    assert timeline.deadline is None
    assert (found["validation"].label, found["validation"].at) == ("Validée", validated)
    assert found["debit"].state == StepState.CURRENT
    assert found["debit"].expected == validated + 2 * DAY
    assert found["transfer"].expected == validated + 4 * DAY


def test_silence_for_48_hours_reads_as_an_automatic_validation():
    validated = SENT + 48 * HOUR + 5 * dt.timedelta(minutes=1)
    found = steps(timeline_at(validated, request("30", validated_at=validated)))
    assert found["validation"].label == "Validée automatiquement (sans réponse sous 48 h)"


def test_a_debit_overdue_by_more_than_half_a_day_is_late():
    validated = SENT + 3 * HOUR
    req = request("30", validated_at=validated)

    on_time = steps(timeline_at(validated + 2 * DAY + 11 * HOUR, req))["debit"]
    late = timeline_at(validated + 2 * DAY + 13 * HOUR, req)

    assert on_time.state == StepState.CURRENT
    assert steps(late)["debit"].state == StepState.LATE
    assert late.has_late_step


def test_an_announced_transfer_shows_its_planned_date():
    req = request(
        "50",
        validated_at=SENT + 3 * HOUR,
        debited_at=SENT + 2 * DAY,
        transfer_date=dt.date(2026, 3, 21),
    )
    found = steps(timeline_at(SENT + 2 * DAY + HOUR, req))

    assert found["debit"].state == StepState.DONE
    assert found["transfer"].state == StepState.CURRENT
    assert found["transfer"].expected == dt.datetime(2026, 3, 21, tzinfo=PARIS)
    assert found["transfer"].detail == "Virement prévu le 21/03/2026"


def paid_request() -> PaymentRequest:
    return request(
        "70",
        validated_at=SENT + 3 * HOUR,
        debited_at=SENT + 2 * DAY,
        paid_at=SENT + 4 * DAY,
        transfer_date=dt.date(2026, 3, 21),
        transfer_amount=Decimal("75.00"),
        payment_id=1,
    )


def payout(**fields) -> Payout:
    values = {
        "amount": Decimal("75.00"),
        "status": PayoutStatus.DUE,
        "cooperative_paid_at": SENT + 4 * DAY,
        "due_at": SENT + 6 * DAY,
    }
    return Payout(**{**values, **fields})


def test_a_booked_payment_reads_as_received_and_the_provider_payout_is_due_within_48_hours():
    found = steps(timeline_at(SENT + 4 * DAY + HOUR, paid_request(), payout()))

    assert found["received"].state == StepState.DONE
    assert found["received"].detail == "Virement de 75,00\u00a0€ reçu le 21/03/2026"
    assert found["payout"].state == StepState.CURRENT
    assert found["payout"].expected == SENT + 6 * DAY


def test_a_transfer_dated_after_the_day_it_was_seen_paid_reads_as_received_when_seen():
    # The sandbox's clock runs ahead in demos: the payment is booked on the day it was seen.
    on_time = steps(timeline_at(SENT + 4 * DAY + HOUR, paid_request(), payout()))["received"]
    ahead = paid_request()
    ahead.transfer_date = dt.date(2026, 3, 25)
    received = steps(timeline_at(SENT + 4 * DAY + HOUR, ahead, payout()))["received"]

    assert on_time.at == dt.datetime(2026, 3, 21, 12, 0, tzinfo=PARIS)  # URSSAF gives a day
    assert (received.state, received.at) == (StepState.DONE, SENT + 4 * DAY)


def test_a_payout_past_its_48_hours_is_late_and_a_made_one_is_done():
    late = steps(timeline_at(SENT + 6 * DAY + HOUR, paid_request(), payout()))["payout"]
    made = payout(status=PayoutStatus.PAID, paid_at=SENT + 5 * DAY)
    done = steps(timeline_at(SENT + 6 * DAY + HOUR, paid_request(), made))["payout"]

    assert (late.state, late.detail) == (StepState.LATE, "En retard")
    assert (done.state, done.at) == (StepState.DONE, SENT + 5 * DAY)


def test_a_contested_request_shows_the_reason_and_stops_the_journey():
    req = request("40", rejection_code="CONTEST_ERR_FACT", rejection_comment="Seulement 2 h")
    timeline = timeline_at(SENT + 5 * HOUR, req)
    found = steps(timeline)

    assert found["validation"].state == StepState.FAILED
    assert found["validation"].label == "Contestée par le client"
    assert timeline.rejection.label == "La facture comporte une erreur"
    assert timeline.rejection_comment == "Seulement 2 h"
    assert found["debit"].state == StepState.UPCOMING
    assert found["debit"].expected is None
    assert timeline.deadline is None


def test_a_request_refused_at_sending_shows_it_and_nothing_after():
    timeline = timeline_at(SENT, request("", state=RequestState.FAILED))
    assert [(s.key, s.state) for s in timeline.steps] == [("sent", StepState.FAILED)]


def test_a_request_held_for_the_guarantee_reads_as_a_delay_without_alarming_anyone():
    timeline = timeline_at(SENT, request("", state=RequestState.HELD, urssaf_id=""))
    assert [(s.key, s.state) for s in timeline.steps] == [("sent", StepState.CURRENT)]
    assert timeline.state_label == timeline.steps[0].label
    assert "différé" in timeline.state_label
    assert "garantie" not in timeline.state_label


def test_an_unknown_status_is_shown_to_everyone_as_such():
    timeline = timeline_at(SENT + DAY, request("999", status_label="Nouveau"))
    assert timeline.state_label == "Statut inconnu (999)"
    assert timeline.alerts[0].startswith("L'URSSAF indique un statut inconnu du portail (999")


@pytest.mark.parametrize(("code", "label"), [("111", "Annulée après impayé")])
def test_a_reversed_payment_shows_the_step_taken_back(code, label):
    req = paid_request()
    req.status_code = code
    found = steps(timeline_at(SENT + 10 * DAY, req))
    assert (found["received"].state, found["received"].detail) == (StepState.FAILED, label)


def test_the_client_reads_a_refused_debit_in_her_own_words_once():
    refused = request("60", validated_at=SENT + 3 * HOUR)
    with time_machine.travel(SENT + 3 * DAY, tick=False):
        for_client = build_timeline(refused, None, timezone.now(), for_client=True)
        for_provider = build_timeline(refused, None, timezone.now())

    assert steps(for_client)["debit"].label == "Prélèvement refusé par votre banque"
    assert steps(for_provider)["debit"].label == "Prélèvement rejeté par la banque du client"
    [alert] = for_client.alerts
    assert alert.startswith("Le prélèvement de votre part a été refusé par votre banque.")
    assert "réglez cette facture par virement" in alert
    assert for_client.summary == ""  # the alert says it; never twice
    assert "du client" not in " ".join([alert, *(step.label for step in for_client.steps)])


def test_while_the_countdown_shows_the_status_is_not_repeated():
    timeline = timeline_at(SENT + 2 * HOUR, request("20"))
    for_client = build_timeline(request("20"), None, SENT + 2 * HOUR, for_client=True)

    assert (timeline.summary, for_client.summary) == ("", "")
    assert steps(for_client)["validation"].label == "En attente de votre validation (48 h)"


def test_a_validated_request_is_summed_up_for_each_reader():
    validated = request("30", validated_at=SENT + 3 * HOUR)
    for_client = build_timeline(validated, None, SENT + 5 * HOUR, for_client=True)
    for_provider = build_timeline(validated, None, SENT + 5 * HOUR)

    assert for_client.summary == "Demande validée : l'URSSAF va prélever votre part."
    assert for_provider.summary.startswith("Validée (par le client ou automatiquement)")


def test_the_client_does_not_follow_the_providers_payout():
    paid = request("70", paid_at=SENT + 4 * DAY)

    for_client = build_timeline(paid, None, SENT + 5 * DAY, for_client=True)
    for_provider = build_timeline(paid, None, SENT + 5 * DAY)

    assert "payout" not in [step.key for step in for_client.steps]
    assert [step.key for step in for_provider.steps][-1] == "payout"
