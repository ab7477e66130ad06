"""After URSSAF accepted: reminders at 2 and 5 days, triage after 7, activation, lost tasks.

The sandbox runs in this process, so time-machine moves its clock with ours; `sandbox.advance`
shifts it apart when a test needs URSSAF to see another time than the portal.
"""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from clients.models import AIStatus
from urssaf import api as urssaf
from urssaf import tasks
from urssaf.exceptions import PermanentUrssafError
from urssaf.models import AIOrigin, AIRegistration, AIRegistrationState, TriageState
from urssaf.payloads import ClientStatus
from urssaf.registration import services
from urssaf.registration import triage_table as ai_triage
from urssaf.registration.triage_table import RegistrationBucket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("urssaf_settings")]

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
REMINDER = "Rappel : activez votre compte URSSAF pour l'avance immédiate"
FAILED = "Avance immédiate : votre inscription n'a pas abouti"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def awaiting(known_alice, clock, on_commit):
    """Alice registered at T0, her activation pending; the outbox emptied."""
    with on_commit():
        services.ai_registration_start(client=known_alice, by=None, origin=AIOrigin.CLIENT)
    known_alice.refresh_from_db()
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    mail.outbox.clear()
    return known_alice


def poll(client, on_commit) -> str:
    with on_commit():
        status = services.ai_activation_poll(client_id=client.pk)
    client.refresh_from_db()
    return status


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


def test_reminders_go_out_after_two_and_five_days_once_each(awaiting, clock, on_commit):
    schedule = [
        (timedelta(days=1), []),
        (timedelta(days=2, hours=1), [REMINDER]),
        (timedelta(days=2, hours=2), [REMINDER]),
        (timedelta(days=4), [REMINDER]),
        (timedelta(days=5, hours=1), [REMINDER, REMINDER]),
        (timedelta(days=6, hours=23), [REMINDER, REMINDER]),
    ]
    for elapsed, expected in schedule:
        clock.move_to(T0 + elapsed)
        assert poll(awaiting, on_commit) == AIStatus.AWAITING_ACTIVATION
        assert subjects() == expected, elapsed

    registration = awaiting.ai_registrations.get()
    assert registration.reminded_2d_at == T0 + timedelta(days=2, hours=1)
    assert registration.reminded_5d_at == T0 + timedelta(days=5, hours=1)


def test_the_reminder_gives_the_activation_guidance(awaiting, clock, on_commit):
    clock.move_to(T0 + timedelta(days=2, hours=1))
    poll(awaiting, on_commit)

    [reminder] = mail.outbox
    assert "courriers indésirables" in reminder.body
    assert "jusqu'au 09/11/2026" in reminder.body
    assert "Nous contacter" in reminder.body
    html = reminder.alternatives[0][0]
    assert "particulier.urssaf.fr" in html


def test_a_poller_back_after_five_days_sends_only_the_latest_reminder(awaiting, clock, on_commit):
    clock.move_to(T0 + timedelta(days=5, hours=3))

    poll(awaiting, on_commit)

    registration = awaiting.ai_registrations.get()
    assert subjects() == [REMINDER]
    assert registration.reminded_2d_at is None
    assert registration.reminded_5d_at is not None


def test_after_seven_days_the_registration_goes_to_triage_as_activation_expired(
    awaiting, clock, sandbox, on_commit
):
    clock.move_to(T0 + timedelta(days=7, hours=1))
    sandbox.advance(days=-2)  # URSSAF still says "pending": our own deadline decides

    assert poll(awaiting, on_commit) == AIStatus.FAILED

    registration = awaiting.ai_registrations.get()
    assert registration.state == AIRegistrationState.SENT
    assert registration.error_codes == [ai_triage.ACTIVATION_EXPIRED]
    assert registration.triage_bucket == RegistrationBucket.ACTIVATION
    assert registration.triage_state == TriageState.OPEN
    assert awaiting.ai_failed_at == T0 + timedelta(days=7, hours=1)
    assert subjects() == [FAILED]
    assert "nouveau" in mail.outbox[0].body


def test_urssaf_reporting_the_link_not_finalised_ends_the_wait(awaiting, clock, on_commit):
    clock.move_to(T0 + timedelta(days=8))  # the sandbox's 7-day link has expired too

    poll(awaiting, on_commit)

    registration = awaiting.ai_registrations.get()
    assert registration.error_codes == [ai_triage.LINK_NOT_FINALISED]
    assert registration.triage_bucket == RegistrationBucket.ACTIVATION
    assert awaiting.ai_status == AIStatus.FAILED


def test_an_association_broken_at_urssaf_goes_to_the_activation_bucket(awaiting, on_commit):
    AIRegistration.objects.filter(client=awaiting).update(id_client="gone")
    type(awaiting).objects.filter(pk=awaiting.pk).update(urssaf_id_client="gone")

    poll(awaiting, on_commit)

    registration = awaiting.ai_registrations.get()
    assert registration.error_codes == ["ERR_RECHERCHE_PARTICULIER"]
    assert registration.triage_bucket == RegistrationBucket.ACTIVATION


@pytest.mark.parametrize("code", ["MANDAT_ECHU", "PARTICULIER_BLOQUE"])
def test_a_blocked_account_or_expired_mandate_goes_to_the_bank_bucket(
    awaiting, on_commit, monkeypatch, code
):
    status = ClientStatus(
        id_client=awaiting.urssaf_id_client, code=code, state="KO", description=""
    )
    monkeypatch.setattr(urssaf, "get_client_status", lambda **kwargs: status)

    poll(awaiting, on_commit)

    assert awaiting.ai_registrations.get().triage_bucket == RegistrationBucket.BANK


def test_activation_is_dated_by_urssaf(awaiting, clock, sandbox, on_commit):
    clock.move_to(T0 + timedelta(days=3))
    sandbox.activate(awaiting.urssaf_id_client)
    clock.move_to(T0 + timedelta(days=4))

    assert poll(awaiting, on_commit) == AIStatus.ACTIVE
    assert awaiting.ai_activated_on == dt.date(2026, 11, 5)
    # To the minute: the description carries the time of day (API.md §0.2).
    assert awaiting.ai_activated_at == (T0 + timedelta(days=3)).replace(second=0, microsecond=0)
    assert subjects() == ["L'avance immédiate est active"]


def test_an_activation_given_by_day_only_counts_from_that_days_start(
    awaiting, on_commit, monkeypatch
):
    status = ClientStatus(
        id_client=awaiting.urssaf_id_client,
        code="APPAREILLAGE_VALIDE",
        state="OK",
        description="05/11/2026",
    )
    monkeypatch.setattr(urssaf, "get_client_status", lambda **kwargs: status)

    poll(awaiting, on_commit)

    assert awaiting.ai_activated_at is None
    assert awaiting.ai_active_since == dt.datetime(2026, 11, 4, 23, 0, tzinfo=dt.UTC)


def test_the_periodic_task_checks_every_pending_registration(awaiting, sandbox, on_commit):
    sandbox.activate(awaiting.urssaf_id_client)

    with on_commit():
        queued = tasks.follow_ai_registrations.delay().get()

    awaiting.refresh_from_db()
    assert queued == 1
    assert awaiting.ai_status == AIStatus.ACTIVE


def test_an_attempt_whose_worker_died_mid_send_is_sent_again(known_alice, clock, sandbox):
    # A queued attempt claimed 20 minutes ago by a worker that never came back.
    registration = AIRegistration.objects.create(
        client=known_alice,
        origin=AIOrigin.PROVIDER,
        state=AIRegistrationState.CLAIMED,
        claimed_at=timezone.now() - timedelta(minutes=20),
        attempts=1,
    )
    type(known_alice).objects.filter(pk=known_alice.pk).update(ai_status=AIStatus.SENT)

    assert services.ai_registrations_requeue_stuck() == [registration.pk]

    registration.refresh_from_db()
    assert registration.state == AIRegistrationState.SENT
    assert registration.attempts == 2
    assert len(sandbox.particuliers()) == 1


def test_a_recent_claim_is_left_to_its_worker(known_alice):
    AIRegistration.objects.create(
        client=known_alice,
        origin=AIOrigin.PROVIDER,
        state=AIRegistrationState.CLAIMED,
        claimed_at=timezone.now() - timedelta(minutes=2),
        attempts=1,
    )

    assert services.ai_registrations_requeue_stuck() == []


def test_urssaf_refusing_the_check_itself_keeps_the_client_waiting(awaiting, clock, monkeypatch):
    def refused(**kwargs):
        raise PermanentUrssafError("HTTP 403", status_code=403, errors=())

    monkeypatch.setattr(urssaf, "get_client_status", refused)
    clock.move_to(T0 + timedelta(days=3))

    assert services.ai_activation_poll(client_id=awaiting.pk) == AIStatus.AWAITING_ACTIVATION
    clock.move_to(T0 + timedelta(days=7, hours=1))
    assert services.ai_activation_poll(client_id=awaiting.pk) == AIStatus.FAILED
    assert awaiting.ai_registrations.get().error_codes == [ai_triage.ACTIVATION_EXPIRED]
