"""The provider's and the client's registration pages: access, the two steps, the badges."""

import html
import re
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from clients.forms import ClientForm
from clients.models import AIStatus, Client
from urssaf.models import AIRegistration

from ...factories import ClientFactory
from .conftest import BIC, IBAN, dgfip_identity, make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the rate limits live there


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice.user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data_for(client: Client, **extra) -> dict:
    """What the registration form posts for this client's record as it stands, plus `extra`."""
    data = {}
    for name in ClientForm.Meta.fields:
        value = getattr(client, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(
        email_confirmation=client.email,
        iban=IBAN,
        bic=BIC,
        account_holder="",
        has_filed_tax_return="yes",
        known_elsewhere="no",
    )
    data.update(extra)
    return data


# --- access -------------------------------------------------------------------------------------

PROVIDER_PAGES = [
    ("provider:client_ai_register", "put"),
    ("provider:client_ai_confirm", "delete"),
]
PORTAL_PAGES = [
    ("portal:ai_status", "post"),
    ("portal:ai_register", "put"),
    ("portal:ai_confirm", "delete"),
]


@pytest.mark.parametrize(("name", "wrong"), PROVIDER_PAGES)
def test_the_provider_opens_the_registration_of_their_client(as_carol, alice, name, wrong):
    url = reverse(name, args=[alice.code])
    assert as_carol.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize(("name", "wrong"), PROVIDER_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_provider_gets_404_on_the_registration(client, dave, alice, name, wrong, method):
    client.force_login(dave.user)
    response = getattr(client, method)(reverse(name, args=[alice.code]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not AIRegistration.objects.exists()


@pytest.mark.parametrize(("name", "wrong"), PROVIDER_PAGES)
def test_a_client_gets_403_on_the_providers_registration(as_alice, alice, name, wrong):
    assert as_alice.get(reverse(name, args=[alice.code])).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("name", "wrong"), PROVIDER_PAGES)
def test_anonymous_visitors_of_provider_registration_are_sent_to_login(client, alice, name, wrong):
    url = reverse(name, args=[alice.code])
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "wrong"), PROVIDER_PAGES)
def test_the_wrong_method_on_provider_registration_gets_405(as_carol, alice, name, wrong):
    response = getattr(as_carol, wrong)(reverse(name, args=[alice.code]))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize(("name", "wrong"), PORTAL_PAGES)
def test_the_client_opens_their_registration_pages(as_alice, name, wrong):
    assert as_alice.get(reverse(name)).status_code == HTTPStatus.OK


@pytest.mark.parametrize(("name", "wrong"), PORTAL_PAGES)
def test_a_provider_gets_403_on_the_portal_registration(as_carol, name, wrong):
    assert as_carol.get(reverse(name)).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("name", "wrong"), [*PORTAL_PAGES, ("portal:ai_check", "get")])
def test_anonymous_visitors_of_the_portal_registration_are_sent_to_login(client, name, wrong):
    url = reverse(name)
    response = client.post(url) if name == "portal:ai_check" else client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "wrong"), [*PORTAL_PAGES, ("portal:ai_check", "get")])
def test_the_wrong_method_on_the_portal_registration_gets_405(as_alice, name, wrong):
    response = getattr(as_alice, wrong)(reverse(name))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_each_client_only_ever_sees_their_own_registration(client, alice, bob):
    make_ready(alice, ai_status=AIStatus.FAILED, ai_status_note="ERR_X : secret d'Alice")
    client.force_login(bob.user)

    page = client.get(reverse("portal:ai_confirm"))

    assert page.context["client"] == bob
    assert "Lefebvre" not in text(page)
    assert "secret d'Alice" not in text(client.get(reverse("portal:ai_status")))


# --- the provider registers a client --------------------------------------------------------------


@pytest.mark.usefixtures("urssaf_settings")
def test_the_provider_registers_a_client_in_two_steps(as_carol, carol, alice, sandbox, on_commit):
    form_url = reverse("provider:client_ai_register", args=[alice.code])
    confirm_url = reverse("provider:client_ai_confirm", args=[alice.code])

    response = as_carol.post(form_url, form_data_for(alice))

    assert response.status_code == HTTPStatus.FOUND, response.context["form"].errors
    assert response["Location"] == confirm_url
    alice.refresh_from_db()
    assert (alice.iban, alice.has_filed_tax_return) == (IBAN, True)
    assert alice.ai_status == AIStatus.NOT_REGISTERED  # nothing sent before confirmation
    prepared = audit_trail(alice).get(action="ai.client.prepared")
    assert prepared.actor == carol.user
    assert prepared.changes["iban"] == ["", "FR76 •••• •••• 0189"]
    assert prepared.changes["has_filed_tax_return"] == ["False", "True"]

    preview = as_carol.get(confirm_url)
    assert "FR76 •••• •••• 0189" in text(preview)
    assert IBAN not in preview.content.decode()
    assert "LEFEBVRE" in text(preview)

    sandbox.add_taxpayer(dgfip_identity(alice))
    with on_commit():
        done = as_carol.post(confirm_url)

    assert done["Location"] == reverse("provider:client_detail", args=[alice.code])
    assert flashed(done) == [
        "Inscription enregistrée : elle part à l'URSSAF, qui enverra au client un e-mail pour "
        "activer son compte (à faire dans les 7 jours)."
    ]
    alice.refresh_from_db()
    assert alice.ai_status == AIStatus.AWAITING_ACTIVATION
    registration = alice.ai_registrations.get()
    assert (registration.started_by, registration.origin) == (carol.user, "provider")
    detail = text(as_carol.get(done["Location"]))
    assert "En attente d'activation" in detail


def test_the_provider_reads_the_form_about_the_client_and_the_client_about_herself(
    as_carol, alice, client
):
    for_provider = text(as_carol.get(reverse("provider:client_ai_register", args=[alice.code])))
    client.force_login(alice.user)
    for_client = text(client.get(reverse("portal:ai_register")))

    assert "l'acte de naissance du client" in for_provider
    assert "Le client a-t-il déjà déposé au moins une déclaration de revenus ?" in for_provider
    assert "votre acte de naissance" not in for_provider
    assert "Avez-vous déjà" not in for_provider
    assert "votre acte de naissance" in for_client
    assert "Avez-vous déjà déposé au moins une déclaration de revenus ?" in for_client


def test_an_invalid_form_saves_nothing_and_says_why(as_carol, alice):
    url = reverse("provider:client_ai_register", args=[alice.code])

    response = as_carol.post(url, form_data_for(alice, civility="Mr", iban="FR00"))

    assert response.status_code == HTTPStatus.OK
    assert "Rien n'a été envoyé" in text(response)
    assert "Madame ou Monsieur" in text(response)
    alice.refresh_from_db()
    assert alice.iban == ""


def test_a_refusal_by_the_service_shows_under_its_field_and_goes_no_further(
    as_carol, alice, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"email": ["Adresse refusée par le service."]})

    monkeypatch.setattr("urssaf.registration.services.ai_client_prepare", refuse)
    url = reverse("provider:client_ai_register", args=[alice.code])

    response = as_carol.post(url, form_data_for(alice))

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["email"] == ["Adresse refusée par le service."]
    alice.refresh_from_db()
    assert alice.iban == ""


def test_the_confirmation_lists_what_blocks_a_registration(as_carol, alice):
    alice.apa_beneficiary = True
    alice.save()

    page = as_carol.get(reverse("provider:client_ai_confirm", args=[alice.code]))
    as_carol.post(reverse("provider:client_ai_confirm", args=[alice.code]))

    assert "IBAN et BIC du compte à prélever obligatoires" in text(page)
    assert "bénéficiaires de l'APA ou de la PCH" in text(page)
    assert not AIRegistration.objects.exists()


def test_a_client_already_awaiting_activation_cannot_be_registered_again(as_carol, alice):
    Client.objects.filter(pk=alice.pk).update(
        ai_status=AIStatus.AWAITING_ACTIVATION, urssaf_id_client="abc"
    )

    response = as_carol.get(reverse("provider:client_ai_register", args=[alice.code]))

    assert response.status_code == HTTPStatus.FOUND
    assert flashed(response) == [
        "L'inscription est déjà acceptée par l'URSSAF : il reste à activer le compte."
    ]


def test_the_provider_registers_several_clients_each_on_its_own(
    as_carol, carol, alice, cooperative
):
    ready = [make_ready(ClientFactory(cooperative=cooperative, providers=[carol])) for _ in "ab"]

    response = as_carol.post(
        reverse("provider:client_ai_register_many"),
        {"clients": [alice.code, *(c.code for c in ready)]},
    )

    assert response["Location"] == reverse("provider:client_list")
    assert AIRegistration.objects.count() == 2
    assert {r.client for r in AIRegistration.objects.all()} == set(ready)
    messages = flashed(response)
    assert messages[0] == "2 inscription(s) envoyée(s) à l'URSSAF."
    assert messages[1].startswith(f"{alice.full_name} : ")
    assert "IBAN et BIC" in messages[1]


def test_the_bulk_registration_refuses_another_providers_client(client, dave, alice, bob):
    make_ready(bob)
    client.force_login(dave.user)

    response = client.post(
        reverse("provider:client_ai_register_many"), {"clients": [bob.code, alice.code]}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not AIRegistration.objects.exists()


@pytest.mark.parametrize("codes", [[], ["not-a-uuid"]])
def test_the_bulk_registration_needs_real_codes(as_carol, codes):
    response = as_carol.post(reverse("provider:client_ai_register_many"), {"clients": codes})
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)
    assert not AIRegistration.objects.exists()


def test_a_client_gets_403_on_the_bulk_registration(as_alice, alice):
    response = as_alice.post(reverse("provider:client_ai_register_many"), {"clients": [alice.code]})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_anonymous_visitors_of_the_bulk_registration_are_sent_to_login(client, alice):
    url = reverse("provider:client_ai_register_many")
    response = client.post(url, {"clients": [alice.code]})
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert not AIRegistration.objects.exists()


def test_a_provider_gets_403_on_the_activation_check(as_carol):
    assert as_carol.post(reverse("portal:ai_check")).status_code == HTTPStatus.FORBIDDEN


def test_the_bulk_registration_is_post_only(as_carol):
    response = as_carol.get(reverse("provider:client_ai_register_many"))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- the badges --------------------------------------------------------------------------------


def badge(response) -> list[str]:
    return re.findall(r'data-ai-status="([a-z_]+)"', response.content.decode())


def test_the_client_list_shows_each_clients_badge(as_carol, carol, alice, cooperative):
    active = ClientFactory(cooperative=cooperative, providers=[carol], birth_name="Zola")
    Client.objects.filter(pk=active.pk).update(
        ai_status=AIStatus.ACTIVE, ai_activated_on="2026-01-05", urssaf_id_client="z"
    )

    page = as_carol.get(reverse("provider:client_list"))

    assert badge(page) == ["not_registered", "active"]
    assert "Avance immédiate active" in text(page)


def test_the_client_page_shows_the_badge_and_the_registration_button(as_carol, alice):
    page = as_carol.get(reverse("provider:client_detail", args=[alice.code]))

    assert set(badge(page)) == {"not_registered"}
    assert reverse("provider:client_ai_register", args=[alice.code]) in page.content.decode()


def test_a_failed_registration_shows_the_advice_on_the_client_page(as_carol, alice):
    AIRegistration.objects.create(
        client=alice,
        origin="provider",
        state="failed",
        errors=[{"code": "ERR_COORDONNEES_BANCAIRES"}],
    )
    Client.objects.filter(pk=alice.pk).update(ai_status=AIStatus.FAILED)

    page = text(as_carol.get(reverse("provider:client_detail", args=[alice.code])))

    assert "Inscription en échec" in page
    assert "Le BIC ou l'IBAN est refusé par l'URSSAF." in page
    assert "votre" not in page.split("Avance immédiate")[-1].lower()  # about the client, to you


@pytest.mark.parametrize("name", ["portal:invoice_list", "portal:profile", "portal:ai_status"])
def test_the_portal_shows_the_clients_badge(as_alice, name):
    assert badge(as_alice.get(reverse(name))) == ["not_registered"]


# --- the client registers from the portal -------------------------------------------------------


def test_the_status_page_asks_whether_the_client_wants_ai(as_alice):
    page = text(as_alice.get(reverse("portal:ai_status")))

    assert "Souhaitez-vous bénéficier de l'avance immédiate ?" in page
    assert reverse("portal:ai_register") in page


@pytest.mark.usefixtures("urssaf_settings")
def test_a_client_registered_elsewhere_is_told_to_accept_the_cooperative(
    as_alice, alice, sandbox, on_commit
):
    response = as_alice.post(
        reverse("portal:ai_register"), form_data_for(alice, known_elsewhere="yes")
    )
    assert response["Location"] == reverse("portal:ai_confirm") + "?deja_inscrit=1"
    alice.refresh_from_db()
    sandbox.add_taxpayer(dgfip_identity(alice))
    preview = as_alice.get(response["Location"])
    assert 'name="deja_inscrit" value="1"' in preview.content.decode()

    with on_commit():
        as_alice.post(reverse("portal:ai_confirm"), {"deja_inscrit": "1"})

    assert alice.ai_registrations.get().known_elsewhere
    page = text(as_alice.get(reverse("portal:ai_status")))
    assert "Vous avez indiqué avoir déjà un compte" in page
    assert "acceptez" in page


def urssaf_says(monkeypatch, *codes):
    """Make GET /particulier answer these link statuses, one per call; count the calls."""
    from urssaf import api
    from urssaf.payloads import ClientStatus

    answers = iter(codes)
    calls = []

    def get_client_status(*, id_client):
        calls.append(id_client)
        return ClientStatus(id_client=id_client, code=next(answers), state="", description="")

    monkeypatch.setattr(api, "get_client_status", get_client_status)
    return calls


def test_an_early_check_does_not_stop_the_one_after_activation(as_alice, alice, monkeypatch):
    Client.objects.filter(pk=alice.pk).update(
        ai_status=AIStatus.AWAITING_ACTIVATION,
        urssaf_id_client="abc",
        ai_awaiting_since=timezone.now(),
    )
    calls = urssaf_says(monkeypatch, "APPAREILLAGE_EC", "APPAREILLAGE_VALIDE")
    url = reverse("portal:ai_check")

    early = as_alice.post(url, follow=True)
    after_activation = as_alice.post(url)

    assert "pas encore enregistré l'activation" in text(early)
    assert flashed(after_activation) == [
        "Votre compte URSSAF est activé : l'avance immédiate est active."
    ]
    alice.refresh_from_db()
    assert alice.ai_status == AIStatus.ACTIVE
    assert calls == ["abc", "abc"]


def test_checks_are_limited_to_five_a_minute(as_alice, alice, monkeypatch):
    Client.objects.filter(pk=alice.pk).update(
        ai_status=AIStatus.AWAITING_ACTIVATION,
        urssaf_id_client="abc",
        ai_awaiting_since=timezone.now(),
    )
    calls = urssaf_says(monkeypatch, *["APPAREILLAGE_EC"] * 6)
    url = reverse("portal:ai_check")

    for _ in range(5):
        as_alice.post(url, follow=True)
    sixth = as_alice.post(url)

    assert len(calls) == 5
    assert flashed(sixth) == ["Vous avez déjà vérifié plusieurs fois : réessayez dans une minute."]


def test_a_client_not_awaiting_gets_no_check(as_alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        as_alice.post(reverse("portal:ai_check"))
    assert callbacks == []


def test_coming_back_from_the_review_keeps_the_email_confirmed(as_alice, alice):
    form_url = reverse("portal:ai_register")
    as_alice.post(form_url, form_data_for(alice))

    again = as_alice.get(form_url)

    assert again.context["form"]["email_confirmation"].value() == alice.email


def test_the_client_starts_from_the_address_she_logs_in_with(as_alice, alice):
    Client.objects.filter(pk=alice.pk).update(email="ancienne.adresse@example.org")

    form = as_alice.get(reverse("portal:ai_register")).context["form"]

    assert form["email"].value() == alice.user.email
    assert not form["email_confirmation"].value()  # typed again on a first visit
