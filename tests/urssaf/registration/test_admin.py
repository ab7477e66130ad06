"""The staff's triage of registrations in the admin: queue, advice, actions, audit, index counts."""

import html
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from clients.models import AIStatus, Client
from urssaf.models import AIOrigin, AIRegistration, AIRegistrationState, TriageState
from urssaf.registration import triage_table as ai_triage
from urssaf.registration.triage_table import RegistrationBucket

from ...factories import ClientFactory
from .conftest import IBAN, dgfip_identity, make_ready
from .test_views import form_data_for

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:urssaf_airegistration_changelist"


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


def failed(client: Client, *codes: str, days_ago: int = 0, **fields) -> AIRegistration:
    """A failed attempt of `client`, in triage since `days_ago` days, as the services leave it."""
    since = timezone.now() - timedelta(days=days_ago)
    registration = AIRegistration.objects.create(
        client=client,
        origin=AIOrigin.PROVIDER,
        state=AIRegistrationState.FAILED,
        attempts=1,
        errors=[{"code": code, "message": f"message {code}", "description": ""} for code in codes],
        triage_bucket=ai_triage.TABLE.bucket_for(list(codes)),
        triage_state=TriageState.OPEN,
        triage_since=since,
        request_summary={"coordonneeBancaire": {"iban": "FR76 •••• •••• 0189"}},
        **fields,
    )
    Client.objects.filter(pk=client.pk).update(ai_status=AIStatus.FAILED, ai_failed_at=since)
    return registration


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def listed(response) -> list[AIRegistration]:
    return list(response.context["cl"].result_list)


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(registration: AIRegistration) -> str:
    return reverse("admin:urssaf_airegistration_change", args=[registration.pk])


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_shows_what_is_left_to_do_across_every_provider(staff, alice, bob):
    alices = failed(alice, "ERR_DGFIP_R2P_INCONNU")
    bobs = failed(bob, "ERR_DGFIP_IMPOTPART_INCONNU")
    settled = failed(make_ready(ClientFactory(cooperative=alice.cooperative)), "ERR_CONTACT")
    AIRegistration.objects.filter(pk=settled.pk).update(triage_state=TriageState.RESOLVED)

    response = staff.get(reverse(CHANGELIST))

    assert set(listed(response)) == {alices, bobs}
    assert set(listed(staff.get(reverse(CHANGELIST), {"suivi": "tout"}))) == {
        alices,
        bobs,
        settled,
    }


def test_the_queue_filters_by_bucket_provider_and_age(staff, alice, bob, dave):
    identity = failed(alice, "ERR_DGFIP_R2P_INCONNU", days_ago=1)
    tax = failed(bob, "ERR_DGFIP_IMPOTPART_INCONNU", days_ago=10)
    url = reverse(CHANGELIST)

    assert listed(staff.get(url, {"triage_bucket__exact": "identity"})) == [identity]
    assert listed(staff.get(url, {"prestataire": dave.pk})) == [tax]
    assert listed(staff.get(url, {"age": "0-2"})) == [identity]
    assert listed(staff.get(url, {"age": "7-30"})) == [tax]


@pytest.mark.parametrize("query", ["lefeb", "alice@example.org", "Alice Marie"])
def test_the_queue_is_searched_by_name_or_email(staff, alice, bob, query):
    found = failed(alice, "ERR_CONTACT")
    failed(bob, "ERR_CONTACT")
    alice.email = "alice@example.org"
    alice.save()

    assert listed(staff.get(reverse(CHANGELIST), {"q": query})) == [found]


def test_the_queue_is_searched_by_the_providers_name_as_the_payment_requests_are(
    staff, alice, bob, carol, dave
):
    failed(alice, "ERR_CONTACT")
    found = failed(bob, "ERR_CONTACT")
    assert carol.last_name != dave.last_name

    assert listed(staff.get(reverse(CHANGELIST), {"q": dave.last_name})) == [found]


def test_the_queue_costs_as_many_queries_for_many_rows_as_for_few(staff, cooperative, carol):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.context_processors import site_cooperative

    def load() -> int:
        site_cooperative()  # the header's cooperative: cached once, not read per page
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(reverse(CHANGELIST)).status_code == HTTPStatus.OK
        return len(captured)

    failed(ClientFactory(cooperative=cooperative, providers=[carol]), "ERR_CONTACT")
    few = load()
    for _ in range(4):
        failed(ClientFactory(cooperative=cooperative, providers=[carol]), "ERR_CONTACT")
    assert load() == few


def test_the_queue_lists_each_code_once_and_the_wait_only_while_in_triage(staff, alice, bob):
    repeated = failed(alice, "ERR_CONTACT", "ERR_DGFIP_R2P_INCONNU", "ERR_CONTACT", days_ago=3)
    settled = failed(bob, "ERR_CONTACT", days_ago=5)
    AIRegistration.objects.filter(pk=settled.pk).update(triage_state=TriageState.RESOLVED)

    page = staff.get(reverse(CHANGELIST), {"suivi": "tout"}).content.decode()

    rows = page.split("<tr")
    [waiting] = [row for row in rows if change_url(repeated) in row]
    [done] = [row for row in rows if change_url(settled) in row]
    assert 'class="field-codes">ERR_CONTACT, ERR_DGFIP_R2P_INCONNU</td>' in waiting
    assert 'class="field-waiting">3 j</td>' in waiting
    assert 'class="field-waiting">—</td>' in done


def test_nobody_adds_or_deletes_an_attempt(staff, alice):
    registration = failed(alice, "ERR_CONTACT")

    assert staff.get(reverse("admin:urssaf_airegistration_add")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    delete = reverse("admin:urssaf_airegistration_delete", args=[registration.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN


def test_the_admin_is_closed_to_clients_and_anonymous_visitors(client, alice):
    registration = failed(alice, "ERR_CONTACT")
    triage = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])

    anonymous = client.post(triage, {"state": "resolved"})
    client.force_login(alice.user)
    as_client = client.post(triage, {"state": "resolved"})

    for response in (anonymous, as_client):
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("admin:login"))
    registration.refresh_from_db()
    assert registration.triage_state == TriageState.OPEN


# --- one attempt: advice and buttons --------------------------------------------------------------


def test_an_attempt_shows_its_bucket_advice_and_each_codes_meaning(staff, alice):
    registration = failed(alice, "ERR_DGFIP_R2P_INCONNU")

    page = text(staff.get(change_url(registration)))

    bucket = ai_triage.BUCKETS[RegistrationBucket.IDENTITY]
    assert bucket.label in page
    assert bucket.next_action in page
    assert ai_triage.ADVICE["ERR_DGFIP_R2P_INCONNU"].explanation in page
    assert "message ERR_DGFIP_R2P_INCONNU" in page
    assert "Corriger et renvoyer" in page
    assert 'name="_save"' not in page


def test_neither_the_attempt_nor_the_client_page_shows_the_iban_in_clear(staff, alice):
    make_ready(alice)
    registration = failed(alice, "ERR_COORDONNEES_BANCAIRES")

    attempt = staff.get(change_url(registration)).content.decode()
    record = staff.get(reverse("admin:clients_client_change", args=[alice.pk])).content.decode()

    for page in (attempt, record):
        assert IBAN not in page
        assert "FR76 •••• •••• 0189" in page


def test_saving_the_client_in_the_admin_keeps_the_iban_when_left_blank(staff, alice):
    from tests.test_admin import form_data

    make_ready(alice)
    url = reverse("admin:clients_client_change", args=[alice.pk])
    data = form_data(staff.get(url))

    staff.post(url, data)

    alice.refresh_from_db()
    assert alice.iban == IBAN


def test_staff_record_a_contact_with_a_note_in_the_audit_trail(staff, sam, alice):
    registration = failed(alice, "ERR_DGFIP_IMPOTPART_INCONNU")
    url = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])

    response = staff.post(url, {"state": "contacted", "note": "Appelée, elle écrit au SIP."})

    assert response["Location"] == change_url(registration)
    registration.refresh_from_db()
    assert registration.triage_state == TriageState.CONTACTED
    assert registration.triaged_by == sam
    assert registration.triage_note.endswith("sam@example.org : Appelée, elle écrit au SIP.")
    [entry] = audit_trail(registration)
    assert (entry.actor, entry.action, entry.note) == (
        sam,
        "ai.triage.contacted",
        "Appelée, elle écrit au SIP.",
    )
    assert entry.changes == {"triage_state": ["open", "contacted"]}


def test_notes_add_up_instead_of_replacing_each_other(staff, alice):
    registration = failed(alice, "ERR_DGFIP_IMPOTPART_INCONNU")
    url = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])

    staff.post(url, {"state": "contacted", "note": "Premier appel."})
    staff.post(url, {"state": "contacted", "note": "Rappelée."})

    registration.refresh_from_db()
    assert registration.triage_note.count("\n") == 1
    assert "Premier appel." in registration.triage_note
    assert "Rappelée." in registration.triage_note


def test_marking_ineligible_sets_the_clients_status(staff, sam, alice):
    registration = failed(alice, "ERR_DGFIP_IMPOTPART_INCONNU")
    url = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])

    staff.post(url, {"state": "ineligible", "note": "Bénéficiaire de la PCH."})

    alice.refresh_from_db()
    assert alice.ai_status == AIStatus.INELIGIBLE
    assert alice.ai_status_note == "Bénéficiaire de la PCH."
    assert audit_trail(alice).first().action == "ai.client.ineligible"


def test_a_settled_attempt_cannot_be_marked_again(staff, alice):
    registration = failed(alice, "ERR_CONTACT")
    url = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])
    staff.post(url, {"state": "resolved"})

    response = staff.post(url, {"state": "contacted", "note": "trop tard"})

    assert flashed(response)[-1] == "Cette inscription n'est plus à traiter."
    registration.refresh_from_db()
    assert registration.triage_state == TriageState.RESOLVED


@pytest.mark.parametrize("name", ["triage", "resend"])
def test_the_triage_buttons_are_post_only(staff, alice, name):
    registration = failed(alice, "ERR_CONTACT")
    url = reverse(f"admin:urssaf_airegistration_{name}", args=[registration.pk])
    assert staff.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_an_unknown_attempt_is_a_404(staff):
    url = reverse("admin:urssaf_airegistration_triage", args=[999999])
    assert staff.post(url, {"state": "resolved"}).status_code == HTTPStatus.NOT_FOUND


# --- correct and resend, against the sandbox -----------------------------------------------------


@pytest.mark.usefixtures("urssaf_settings")
def test_a_mismatched_identity_is_corrected_and_resent(staff, sam, ready_alice, sandbox, on_commit):
    # The tax office knows a third first name the cooperative never recorded.
    sandbox.add_taxpayer({**dgfip_identity(ready_alice), "prenoms": "ALICE MARIE LOUISE"})
    from urssaf.registration import services

    with on_commit():
        services.ai_registration_start(client=ready_alice, by=None, origin=AIOrigin.PROVIDER)
    first = ready_alice.ai_registrations.get()
    assert first.triage_bucket == RegistrationBucket.IDENTITY
    url = reverse("admin:urssaf_airegistration_correct", args=[first.pk])
    assert "Corriger et renvoyer" in text(staff.get(url))

    data = form_data_for(ready_alice, first_names="Alice Marie Louise", iban="")
    with on_commit():
        response = staff.post(url, data)

    second = ready_alice.ai_registrations.exclude(pk=first.pk).get()
    assert response["Location"] == change_url(second)
    assert second.state == AIRegistrationState.SENT
    assert (second.origin, second.started_by) == (AIOrigin.STAFF, sam)
    first.refresh_from_db()
    assert (first.state, first.triage_state) == (
        AIRegistrationState.SUPERSEDED,
        TriageState.RESOLVED,
    )
    assert first.errors[0]["code"] == "ERR_DGFIP_R2P_INCONNU"  # the answer is kept
    ready_alice.refresh_from_db()
    assert ready_alice.first_names == "Alice Marie Louise"
    assert ready_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    prepared = [e for e in audit_trail(ready_alice) if e.action == "ai.client.prepared"]
    assert prepared[0].actor == sam
    assert prepared[0].changes["first_names"] == ["Alice Marie", "Alice Marie Louise"]


def test_an_invalid_correction_sends_nothing(staff, ready_alice):
    registration = failed(ready_alice, "ERR_DGFIP_R2P_INCONNU")
    url = reverse("admin:urssaf_airegistration_correct", args=[registration.pk])

    response = staff.post(url, form_data_for(ready_alice, civility="Mme", iban=""))

    assert response.status_code == HTTPStatus.OK
    assert "Rien n'a été renvoyé" in text(response)
    assert ready_alice.ai_registrations.count() == 1


@pytest.mark.usefixtures("urssaf_settings")
def test_resending_after_the_tax_office_fixed_it_needs_no_correction(staff, known_alice, on_commit):
    registration = failed(known_alice, "ERR_DGFIP_IMPOTPART_INCONNU")

    with on_commit():
        staff.post(reverse("admin:urssaf_airegistration_resend", args=[registration.pk]))

    known_alice.refresh_from_db()
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION


# --- bulk actions ---------------------------------------------------------------------------------


def act(staff, action: str, registrations) -> object:
    return staff.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [r.pk for r in registrations]},
    )


@pytest.mark.usefixtures("urssaf_settings")
def test_the_retry_bucket_is_resent_at_once_and_other_buckets_are_left(
    staff, known_alice, bob, on_commit
):
    down = failed(known_alice, ai_triage.URSSAF_UNAVAILABLE, "ERREUR_TECHNIQUE")
    identity = failed(make_ready(bob), "ERR_DGFIP_R2P_INCONNU")

    with on_commit():
        response = act(staff, "retry_unavailable", [down, identity])

    messages = flashed(response)
    assert messages[0] == "1 inscription(s) renvoyée(s) à l'URSSAF."
    assert messages[1].startswith("1 ignorée(s)")
    known_alice.refresh_from_db()
    assert known_alice.ai_status == AIStatus.AWAITING_ACTIVATION
    identity.refresh_from_db()
    assert identity.triage_state == TriageState.OPEN
    assert bob.ai_registrations.count() == 1
    assert mail.outbox[-1].to == [known_alice.email]


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("mark_contacted", TriageState.CONTACTED),
        ("mark_resolved", TriageState.RESOLVED),
        ("mark_ineligible", TriageState.INELIGIBLE),
    ],
)
def test_bulk_marks_are_audited_with_the_staff_member(staff, sam, alice, bob, action, state):
    registrations = [failed(alice, "ERR_CONTACT"), failed(bob, "ERR_CONTACT")]

    act(staff, action, registrations)

    for registration in registrations:
        registration.refresh_from_db()
        assert registration.triage_state == state
        [entry] = audit_trail(registration)
        assert (entry.actor, entry.action) == (sam, f"ai.triage.{state}")


# --- the admin index ----------------------------------------------------------------------------


def test_the_admin_index_counts_each_bucket(staff, alice, bob, cooperative):
    failed(alice, "ERR_DGFIP_R2P_INCONNU")
    failed(bob, "ERR_CONTACT")
    failed(ClientFactory(cooperative=cooperative), ai_triage.URSSAF_UNAVAILABLE)
    settled = failed(ClientFactory(cooperative=cooperative), "ERR_COORDONNEES_BANCAIRES")
    AIRegistration.objects.filter(pk=settled.pk).update(triage_state=TriageState.RESOLVED)

    page = staff.get(reverse("admin:index")).content.decode()
    # The payment-request panel follows with buckets of the same names: read this one only.
    panel = page.split('id="triage-registrations"', 1)[1].split('id="triage-payments"', 1)[0]

    counts = dict(re.findall(r'data-bucket="(\w+)">(\d+)<', panel))
    assert counts == {
        "identity": "2",
        "tax_office": "0",
        "bank": "0",
        "activation": "0",
        "retry": "1",
        "other": "0",
    }
    assert "triage_bucket__exact=identity" in page
    assert "Gestion de la coopérative" in page  # Django's own index is still there


def test_a_triage_note_of_a_megabyte_is_refused(staff, alice):
    registration = failed(alice, "ERR_DGFIP_IMPOTPART_INCONNU")
    url = reverse("admin:urssaf_airegistration_triage", args=[registration.pk])

    staff.post(url, {"state": "contacted", "note": "Note. " * 200_000})

    registration.refresh_from_db()
    assert registration.triage_state == TriageState.OPEN
    assert registration.triage_note == ""


def test_the_queue_renders_its_rows_as_django_would(staff, alice, bob):
    # urssaf/templatetags/triage_list.py works each column out once instead of once per cell:
    # the markup must stay Django's own, links with the preserved filters included.
    from django.contrib.admin.templatetags.admin_list import results

    from urssaf.templatetags.triage_list import triage_results

    failed(alice, "ERR_CONTACT", "ERR_DGFIP_R2P_INCONNU", days_ago=3)
    failed(bob, "ERR_CONTACT", days_ago=5)

    cl = staff.get(reverse(CHANGELIST), {"suivi": "tout", "o": "2"}).context["cl"]

    ours = ["".join(row) for row in triage_results(cl)["results"]]
    assert len(ours) == 2
    assert ours == ["".join(row) for row in results(cl)]
    assert "_changelist_filters=" in ours[0]
