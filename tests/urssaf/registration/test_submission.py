"""The avance immédiate registration against the URSSAF sandbox over real HTTP.

Celery runs eagerly (config/settings/test.py): the on-commit send, its retries and the e-mails
happen inside the `on_commit()` block.
"""

import datetime as dt
import json

import pytest
from django.core import mail

from audit.models import AuditEntry
from audit.services import audit_trail
from clients.models import AIStatus, Client
from sandbox.faults import FaultInjector
from sandbox.identity import DEMO_CLIENTS_FILE as DEMO_CLIENTS
from urssaf.models import AIOrigin, AIRegistration, AIRegistrationState, TriageState
from urssaf.registration import services
from urssaf.registration import triage_table as ai_triage
from urssaf.registration.triage_table import RegistrationBucket

from ...factories import ClientFactory
from .conftest import IBAN, dgfip_identity, make_ready

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("urssaf_settings")]


def start(client: Client, on_commit, by=None, **kwargs) -> AIRegistration:
    with on_commit():
        registration = services.ai_registration_start(
            client=client, by=by, origin=kwargs.pop("origin", AIOrigin.PROVIDER), **kwargs
        )
    registration.refresh_from_db()
    client.refresh_from_db()
    return registration


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


# --- success, activation ----------------------------------------------------------------------


def test_a_known_client_is_sent_then_awaits_activation(known_alice, carol, on_commit):
    registration = start(known_alice, on_commit, by=carol.user)

    assert registration.state == AIRegistrationState.SENT
    assert registration.attempts == 1
    assert registration.id_client
    assert registration.started_by == carol.user
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    assert known_alice.urssaf_id_client == registration.id_client
    assert known_alice.ai_sent_at is not None
    assert known_alice.ai_awaiting_since is not None
    assert subjects() == ["Avance immédiate : votre inscription est transmise à l'URSSAF"]
    assert mail.outbox[0].to == [known_alice.email]


def test_activation_on_the_sandbox_makes_the_client_active(known_alice, sandbox, on_commit):
    registration = start(known_alice, on_commit)
    sandbox.activate(registration.id_client)

    with on_commit():
        status = services.ai_activation_poll(client_id=known_alice.pk)

    known_alice.refresh_from_db()
    assert status == AIStatus.ACTIVE
    assert known_alice.ai_status == AIStatus.ACTIVE
    assert known_alice.ai_activated_on == sandbox.now().date()
    assert subjects()[-1] == "L'avance immédiate est active"


def test_a_poll_before_activation_changes_nothing(known_alice, on_commit):
    start(known_alice, on_commit)
    mail.outbox.clear()

    with on_commit():
        status = services.ai_activation_poll(client_id=known_alice.pk)

    assert status == AIStatus.AWAITING_ACTIVATION
    assert mail.outbox == []


def test_the_seeded_demo_client_matches_the_tax_office_as_typed(cooperative, carol, on_commit):
    # The sandbox's directory is seeded from demo_clients.json: no help from our own payload.
    demo = json.loads(DEMO_CLIENTS.read_text(encoding="utf-8"))[1]
    fields = {k: v for k, v in demo.items() if k != "dgfip"}
    fields["birth_date"] = dt.date.fromisoformat(fields["birth_date"])
    bernard = make_ready(ClientFactory.build(cooperative=cooperative, **fields))
    bernard.providers.add(carol)

    registration = start(bernard, on_commit)

    assert registration.state == AIRegistrationState.SENT, registration.errors


def test_every_step_is_in_the_audit_trail(known_alice, carol, on_commit):
    start(known_alice, on_commit, by=carol.user)

    registration = known_alice.ai_registrations.get()

    on_client = [(e.action, e.actor) for e in reversed(audit_trail(known_alice))]
    on_attempt = [e.action for e in audit_trail(registration)]
    assert on_client == [
        ("ai.registration.started", carol.user),
        ("ai.registration.accepted", None),
    ]
    assert on_attempt == ["ai.registration.sent"]
    accepted = AuditEntry.objects.get(action="ai.registration.accepted")
    assert accepted.changes["ai_status"] == ["sent", "awaiting_activation"]


def test_the_attempt_keeps_what_was_sent_without_the_iban(known_alice, on_commit):
    registration = start(known_alice, on_commit)

    bank = registration.request_summary["coordonneeBancaire"]
    assert bank["iban"] == "FR76 •••• •••• 0189"
    assert IBAN not in json.dumps(registration.request_summary)
    assert registration.request_summary["nomNaissance"] == "LEFEBVRE"


def test_the_iban_never_reaches_the_logs(known_alice, on_commit, caplog):
    caplog.set_level("DEBUG")
    start(known_alice, on_commit)

    assert IBAN not in caplog.text
    assert IBAN[4:] not in caplog.text


# --- DGFiP and other refusals land in the right bucket -----------------------------------------


def test_an_identity_unknown_to_the_tax_office_goes_to_the_identity_bucket(ready_alice, on_commit):
    registration = start(ready_alice, on_commit)

    assert registration.state == AIRegistrationState.FAILED
    assert registration.error_codes == ["ERR_DGFIP_R2P_INCONNU"]
    assert registration.triage_bucket == RegistrationBucket.IDENTITY
    assert registration.triage_state == TriageState.OPEN
    assert ready_alice.ai_status == AIStatus.FAILED
    assert ready_alice.ai_failed_at is not None
    assert ready_alice.ai_status_note.startswith("ERR_DGFIP_R2P_INCONNU : La DGFiP ne trouve")
    assert subjects() == ["Avance immédiate : votre inscription n'a pas abouti"]
    assert "tous vos prénoms" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("situation", "code"),
    [
        ("no_tax_return", "ERR_DGFIP_IMPOTPART_INCONNU"),
        ("duplicate_civil_status", "ERR_ECV_PARTICULIERS_EXISTENT"),
    ],
)
def test_tax_office_situations_go_to_the_tax_office_bucket(
    ready_alice, sandbox, on_commit, situation, code
):
    sandbox.add_taxpayer(dgfip_identity(ready_alice), situation=situation)

    registration = start(ready_alice, on_commit)

    assert registration.error_codes == [code]
    assert registration.triage_bucket == RegistrationBucket.TAX_OFFICE
    advice = ai_triage.TABLE.advice_for(code)
    assert "service des impôts" in advice.client_advice
    assert "impots.gouv.fr" in mail.outbox[0].body


def test_an_email_and_phone_of_someone_else_is_an_identity_problem(
    known_alice, cooperative, sandbox, on_commit
):
    other = make_ready(ClientFactory(cooperative=cooperative, birth_name="Garnier"))
    sandbox.add_taxpayer(dgfip_identity(other))
    start(other, on_commit)
    known_alice.email, known_alice.mobile_phone = other.email.upper(), other.mobile_phone
    known_alice.save()

    registration = start(known_alice, on_commit)

    assert registration.error_codes == ["ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE"]
    assert registration.triage_bucket == RegistrationBucket.IDENTITY


def test_every_code_of_a_multi_error_answer_is_kept(known_alice, on_commit):
    # Written behind the form's back, as an import would: two address errors at once.
    Client.objects.filter(pk=known_alice.pk).update(street_type="XYZ", street_letter="Z")
    known_alice.refresh_from_db()

    registration = start(known_alice, on_commit)

    assert registration.error_codes == [
        "ERR_CONTACT_ADRESSE_TYPE_VOIE",
        "ERR_CONTACT_ADRESSE_LETTRE_VOIE",
    ]
    assert all(error["message"] for error in registration.errors)
    assert registration.triage_bucket == RegistrationBucket.IDENTITY
    assert "adresse postale" in mail.outbox[0].body


# --- transient failures -------------------------------------------------------------------------


def seed_failing_only_the_second_call(fault: str, rate: float, *, then_ok: int) -> int:
    """Return a fault seed whose draws are: token OK, first call fails, `then_ok` calls pass."""
    config = {
        "drop_rate": 0,
        "timeout_rate": 0,
        "error_rate": 0,
        "error_statuses": [503],
        "retry_after_seconds": 0,
    }
    config[f"{fault}_rate"] = rate
    for seed in range(1000):
        injector = FaultInjector()
        injector.reseed(seed)
        if injector.draw(config) is not None or injector.draw(config) != fault:
            continue
        if fault == "error":
            injector.error_response(config)  # picking the status takes a draw too
        if all(injector.draw(config) is None for _ in range(then_ok)):
            return seed
    raise AssertionError("no seed found")


@pytest.mark.usefixtures("eager_retries")
def test_a_503_is_retried_and_then_succeeds(known_alice, sandbox, on_commit):
    # After the 503 the retry asks GET /particulier first (not found), then sends again.
    seed = seed_failing_only_the_second_call("error", 0.5, then_ok=2)
    sandbox.set_faults(error_rate=0.5, error_statuses=[503], retry_after_seconds=0, seed=seed)

    registration = start(known_alice, on_commit)

    assert registration.state == AIRegistrationState.SENT
    assert registration.attempts == 2
    assert registration.errors == []
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    assert len(sandbox.particuliers()) == 1


@pytest.mark.usefixtures("eager_retries")
def test_urssaf_down_through_every_retry_goes_to_the_retry_bucket(ready_alice, sandbox, on_commit):
    sandbox.set_faults(error_rate=1, error_statuses=[503], retry_after_seconds=0)

    registration = start(ready_alice, on_commit)

    assert registration.state == AIRegistrationState.FAILED
    assert registration.triage_bucket == RegistrationBucket.RETRY
    assert registration.error_codes[0] == ai_triage.URSSAF_UNAVAILABLE
    assert "ERREUR_TECHNIQUE" in registration.error_codes
    assert ready_alice.ai_status == AIStatus.FAILED
    # The cooperative retries on its own: the client is not alarmed.
    assert mail.outbox == []


@pytest.mark.usefixtures("eager_retries")
def test_a_timeout_after_urssaf_recorded_the_registration_does_not_register_twice(
    known_alice, sandbox, settings, on_commit
):
    # URSSAF records the registration but its answer never arrives: the retry asks first.
    settings.URSSAF_READ_TIMEOUT = 0.3
    seed = seed_failing_only_the_second_call("timeout", 0.5, then_ok=1)
    sandbox.set_faults(
        timeout_rate=0.5, timeout_seconds=0.6, process_before_failure=True, seed=seed
    )

    registration = start(known_alice, on_commit)

    assert registration.state == AIRegistrationState.SENT
    assert registration.attempts == 2
    [link] = sandbox.particuliers()
    assert link["idClient"] == registration.id_client
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION


# --- idempotency --------------------------------------------------------------------------------


def test_a_duplicated_task_never_sends_twice(known_alice, sandbox, on_commit):
    registration = start(known_alice, on_commit)

    again = services.ai_registration_send(registration_id=registration.pk)

    assert again is None
    registration.refresh_from_db()
    assert registration.attempts == 1
    assert len(sandbox.particuliers()) == 1


def test_a_client_already_linked_to_the_cooperative_is_recovered(known_alice, sandbox, on_commit):
    first = start(known_alice, on_commit)
    # The portal forgot (a restored backup): URSSAF answers "link already exists".
    Client.objects.filter(pk=known_alice.pk).update(
        ai_status=AIStatus.NOT_REGISTERED, urssaf_id_client=""
    )
    known_alice.refresh_from_db()

    second = start(known_alice, on_commit)

    assert second.state == AIRegistrationState.SENT
    assert second.id_client == first.id_client
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION


def test_a_client_registered_through_another_organisation_gets_a_pending_link(
    known_alice, sandbox, on_commit
):
    sandbox.add_organisation("autre-organisme", "secret")
    token = sandbox.token(client_id="autre-organisme", client_secret="secret")
    from urssaf.registration.particulier import build_particulier

    answer = sandbox.api(
        "POST", "particulier", json=build_particulier(known_alice).to_payload(), token=token
    )
    elsewhere_id = answer.json()["idClient"]
    sandbox.activate(elsewhere_id, client_id="autre-organisme")

    registration = start(known_alice, on_commit, known_elsewhere=True)

    assert registration.id_client == elsewhere_id
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    assert "acceptez" in mail.outbox[-1].body
    assert "Activez votre compte" not in mail.outbox[-1].body


def test_an_id_client_of_another_record_is_left_to_the_staff(
    known_alice, cooperative, on_commit, monkeypatch
):
    twin = make_ready(ClientFactory(cooperative=cooperative, urssaf_id_client="id-du-double"))
    monkeypatch.setattr("urssaf.api.register_client", lambda particulier: twin.urssaf_id_client)

    registration = start(known_alice, on_commit)

    assert registration.error_codes == [ai_triage.DUPLICATE_ID_CLIENT]
    assert registration.triage_bucket == RegistrationBucket.OTHER
    assert f"fiche de {twin.full_name}" in registration.errors[0]["message"]
    assert "deux fiches" in ai_triage.TABLE.advice_for(ai_triage.DUPLICATE_ID_CLIENT).explanation
    assert known_alice.urssaf_id_client == ""


def test_a_second_start_while_one_is_live_is_refused(ready_alice):
    services.ai_registration_start(client=ready_alice, by=None, origin=AIOrigin.PROVIDER)

    with pytest.raises(Exception, match="déjà en cours"):
        services.ai_registration_start(client=ready_alice, by=None, origin=AIOrigin.PROVIDER)
