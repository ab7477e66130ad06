"""Self-registration with an invoice, then the avance immédiate from the portal, end to end."""

import re
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from clients.models import AIStatus, Client, Role, User
from clients.services import INVOICE_NOT_FOUND
from clients.views.registration import SIGNUP_IP_LIMIT, SIGNUP_NUMBER_LIMIT, SIGNUP_THROTTLED
from invoices import services as invoice_services

from ..factories import ClientFactory
from ..urssaf.registration.conftest import dgfip_identity
from ..urssaf.registration.test_views import form_data_for, text

pytestmark = pytest.mark.django_db

SIGNUP = "signup:start"
PASSWORD = "un-secret-bien-long-2026"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the rate limits live there


@pytest.fixture
def elodie(cooperative, carol):
    """A client of Carol's without a portal account."""
    return ClientFactory(
        cooperative=cooperative,
        birth_name="Roux",
        first_names="Élodie",
        email="elodie.roux@example.org",
        providers=[carol],
    )


@pytest.fixture
def elodie_invoice(carol, elodie, make_draft):
    return invoice_services.invoice_issue(invoice=make_draft(carol, elodie), by=carol.user)


def signup_data(invoice, **changes) -> dict:
    data = {
        "invoice_number": invoice.number,
        "invoice_date": invoice.issue_date.isoformat(),
        "email": "elodie.perso@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def errors_of(response) -> list[str]:
    return response.context["form"].non_field_errors()


# --- access -------------------------------------------------------------------------------------


def test_anyone_can_open_the_signup_page(client):
    response = client.get(reverse(SIGNUP))
    assert response.status_code == HTTPStatus.OK
    assert "Créer mon espace client" in text(response)


def test_the_login_page_leads_to_the_signup(client):
    assert reverse(SIGNUP) in client.get(reverse("login")).content.decode()


def test_a_logged_in_user_is_sent_home(client, alice):
    client.force_login(alice.user)
    response = client.get(reverse(SIGNUP))
    assert response["Location"] == reverse("home")


def test_the_signup_refuses_put(client):
    assert client.put(reverse(SIGNUP)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- the invoice check ----------------------------------------------------------------------------


def test_a_client_creates_their_account_with_an_invoice(client, elodie, elodie_invoice):
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice))

    assert response["Location"] == reverse("portal:ai_status")
    elodie.refresh_from_db()
    user = elodie.user
    assert (user.email, user.role) == ("elodie.perso@example.org", Role.CLIENT)
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    entry = AuditEntry.objects.get(action="client.account.created")
    assert entry.actor == user
    assert elodie_invoice.number in entry.note


def test_a_sent_quote_opens_the_account_too_but_not_a_draft_one(client, carol, elodie, make_quote):
    draft = make_quote(carol, elodie)
    today = timezone.localdate()
    # The number and date it will get once sent: a draft has neither yet.
    as_if_sent = SimpleNamespace(number=f"D{today.year}-00001", issue_date=today)
    refused = client.post(reverse(SIGNUP), signup_data(as_if_sent))
    quote = invoice_services.quote_send(quote=draft, by=carol.user)
    assert quote.number == as_if_sent.number

    response = client.post(reverse(SIGNUP), signup_data(quote))

    assert errors_of(refused) == [INVOICE_NOT_FOUND]
    assert response.status_code == HTTPStatus.FOUND
    elodie.refresh_from_db()
    assert elodie.user.email == "elodie.perso@example.org"
    entry = AuditEntry.objects.get(action="client.account.created")
    assert entry.note == f"Compte créé avec le devis {quote.number}."


@pytest.mark.parametrize(
    "changes",
    [
        {"invoice_number": "2099-00001"},
        {"invoice_date": "2001-01-01"},
        {"invoice_number": "2099-00001", "invoice_date": "2001-01-01"},
    ],
)
def test_a_wrong_number_or_date_gets_the_same_answer(client, elodie_invoice, changes):
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice, **changes))

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response) == [INVOICE_NOT_FOUND]
    assert not User.objects.filter(email="elodie.perso@example.org").exists()


def test_an_invoice_of_a_client_with_an_account_gets_the_same_answer(client, alice_invoice):
    response = client.post(reverse(SIGNUP), signup_data(alice_invoice))

    assert errors_of(response) == [INVOICE_NOT_FOUND]
    assert Client.objects.get(pk=alice_invoice.client_id).user.email == "alice@example.org"


def test_the_number_is_read_without_spaces_and_in_capitals(client, elodie, elodie_invoice):
    typed = f" {elodie_invoice.number[:4]} {elodie_invoice.number[4:]} ".lower()
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice, invoice_number=typed))
    assert response.status_code == HTTPStatus.FOUND


def test_an_email_already_used_by_an_account_is_refused(client, elodie_invoice, alice):
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice, email="ALICE@example.org"))
    assert "Un compte existe déjà" in response.context["form"].errors["email"][0]


def test_the_password_follows_djangos_rules(client, elodie_invoice):
    response = client.post(
        reverse(SIGNUP), signup_data(elodie_invoice, password1="12345678", password2="12345678")
    )
    errors = response.context["form"].errors["password1"]
    assert any("entièrement numérique" in error for error in errors)


def test_the_two_passwords_must_match(client, elodie_invoice):
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice, password2="autre-chose-1"))
    assert response.context["form"].errors["password2"] == [
        "Les deux mots de passe ne sont pas identiques."
    ]


# --- rate limits ----------------------------------------------------------------------------------


def test_guesses_on_one_invoice_number_are_limited_whatever_the_address(
    client, elodie, elodie_invoice
):
    for attempt in range(SIGNUP_NUMBER_LIMIT):
        address = f"203.0.113.{attempt}"
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_date="2001-01-01"),
            REMOTE_ADDR=address,
        )

    # Even the right date is refused now, from a fresh address: the number is locked.
    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="198.51.100.7")

    assert errors_of(response) == [SIGNUP_THROTTLED]
    elodie.refresh_from_db()
    assert elodie.user is None


def test_guesses_from_one_address_are_limited_whatever_the_number(client, elodie_invoice):
    for attempt in range(SIGNUP_IP_LIMIT):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_number=f"2026-{attempt:05d}9"),
            REMOTE_ADDR="203.0.113.9",
        )

    response = client.post(reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="203.0.113.9")

    assert errors_of(response) == [SIGNUP_THROTTLED]


def test_behind_a_proxy_each_visitor_has_their_own_limit(client, elodie_invoice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for attempt in range(SIGNUP_IP_LIMIT):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_number=f"2026-{attempt:05d}9"),
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )

    guesser = client.post(
        reverse(SIGNUP), signup_data(elodie_invoice), HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    neighbour = client.post(
        reverse(SIGNUP), signup_data(elodie_invoice), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )

    assert errors_of(guesser) == [SIGNUP_THROTTLED]
    assert neighbour.status_code == HTTPStatus.FOUND  # signed up: the proxy's address is not shared


def test_the_limit_message_does_not_say_which_half_was_wrong(client, elodie_invoice):
    assert "numéro" not in SIGNUP_THROTTLED
    assert "date" not in SIGNUP_THROTTLED


# --- the demo scenario ----------------------------------------------------------------------------


@pytest.mark.usefixtures("urssaf_settings")
def test_a_new_client_signs_up_registers_and_becomes_active(
    client, elodie, elodie_invoice, sandbox, on_commit
):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    question = text(client.get(reverse("portal:ai_status")))
    assert "Souhaitez-vous bénéficier de l'avance immédiate ?" in question

    form = client.post(reverse("portal:ai_register"), form_data_for(elodie))
    assert form["Location"] == reverse("portal:ai_confirm")
    elodie.refresh_from_db()
    sandbox.add_taxpayer(dgfip_identity(elodie))
    with on_commit():
        client.post(reverse("portal:ai_confirm"))

    waiting = text(client.get(reverse("portal:ai_status")))
    assert "En attente d'activation" in waiting
    assert "courriers indésirables" in waiting
    assert mail.outbox[-1].to == [elodie.email]
    assert "Activez votre compte" in mail.outbox[-1].body

    elodie.refresh_from_db()
    sandbox.activate(elodie.urssaf_id_client)
    with on_commit():
        client.post(reverse("portal:ai_check"))

    active = text(client.get(reverse("portal:ai_status")))
    assert re.search(r"L'avance immédiate est active depuis le \d\d/\d\d/\d{4}", active)
    elodie.refresh_from_db()
    assert elodie.ai_status == AIStatus.ACTIVE
