"""Self-registration: a document's number and date, then the link e-mailed to the client's recorded
address; then the avance immédiate from the portal, end to end.

The attacks of issue 11 this guards against: a stranger (or another provider) who knows one
invoice number and its date opening the client's account under their own e-mail; guesses raced
past the limits; a stranger locking the real client out; any answer that tells what exists.
"""

import re
import threading
from http import HTTPStatus
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from clients.models import AccountInvitation, AIStatus, Client, Role, User
from clients.ratelimit import Limit
from clients.services import accounts
from invoices import services as invoice_services

from ..factories import ClientFactory, UserFactory
from ..mailbox import paths_in_mail
from ..urssaf.registration.conftest import dgfip_identity
from ..urssaf.registration.test_views import form_data_for, text

pytestmark = pytest.mark.django_db

SIGNUP = "signup:start"
SENT = "signup:sent"
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


def signup_data(document, **changes) -> dict:
    data = {
        "invoice_number": document.number,
        "invoice_date": document.issue_date.isoformat(),
    }
    data.update(changes)
    return data


def links_to(address: str) -> list[str]:
    """The paths of the account links e-mailed to `address`, oldest first."""
    return paths_in_mail(address, "/inscription/lien/")


def follow(client, path: str):
    """Open an e-mailed link as a browser does: its token moves to the session at once."""
    return client.get(path, follow=True)


def open_account(client, path: str, password: str = PASSWORD, confirmation: str | None = None):
    page = follow(client, path)
    url = page.redirect_chain[-1][0] if page.redirect_chain else path
    data = {"new_password1": password, "new_password2": confirmation or password}
    return client.post(url, data)


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


@pytest.mark.parametrize(("name", "args"), [(SIGNUP, []), (SENT, []), ("signup:open", ["x"])])
def test_the_signup_pages_refuse_put(client, name, args):
    assert client.put(reverse(name, args=args)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- number and date only identify: the link goes to the recorded e-mail --------------------------


def test_number_and_date_open_nothing_they_send_a_link_to_the_recorded_email(
    client, elodie, elodie_invoice
):
    # The attacker of issue 11: the right number and date, and an e-mail of his own.
    response = client.post(
        reverse(SIGNUP),
        {**signup_data(elodie_invoice), "email": "mallory@evil.example", "password1": PASSWORD},
    )

    assert response["Location"] == reverse(SENT)
    elodie.refresh_from_db()
    assert elodie.user is None
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="mallory@evil.example").exists()
    [message] = mail.outbox
    assert message.to == ["elodie.roux@example.org"]
    assert message.subject.startswith("Créez votre espace client")


def test_a_provider_cannot_open_a_shared_clients_account_with_his_own_invoice(
    client, dave, elodie, make_draft
):
    # Dave also serves Élodie: his own invoice's number and date are no key to her space (and
    # to Carol's invoices in it).
    elodie.providers.add(dave)
    own = invoice_services.invoice_issue(invoice=make_draft(dave, elodie), by=dave.user)
    client.force_login(dave.user)
    client.logout()

    client.post(reverse(SIGNUP), signup_data(own))

    elodie.refresh_from_db()
    assert elodie.user is None
    assert [message.to for message in mail.outbox] == [[elodie.email]]
    assert dave.user.email not in mail.outbox[0].body


def test_the_client_opens_their_account_from_the_link_and_is_told(
    client, elodie, elodie_invoice, on_commit
):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    page = follow(client, path)
    assert page.redirect_chain == [(reverse("signup:open", args=["suite"]), HTTPStatus.FOUND)]
    assert "elodie.roux@example.org" in text(page)

    with on_commit():
        response = open_account(client, path)

    assert response["Location"] == reverse("portal:ai_status")
    elodie.refresh_from_db()
    user = elodie.user
    assert (user.email, user.role) == ("elodie.roux@example.org", Role.CLIENT)
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    entry = AuditEntry.objects.get(action="client.account.created")
    assert entry.actor == user
    assert "elodie.roux@example.org" in entry.note
    notice = mail.outbox[-1]
    assert notice.to == [elodie.email]
    assert notice.subject.startswith("Votre espace client est créé")
    assert "Contactez la coopérative tout de suite" in notice.body


def test_the_link_opens_one_account_only_once(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    open_account(client, path)
    client.logout()

    again = open_account(client, path, password="un-autre-secret-2026")

    assert "Votre espace client est déjà créé" in text(again)
    assert User.objects.filter(role=Role.CLIENT, email=elodie.email).count() == 1
    elodie.refresh_from_db()
    assert elodie.user.check_password(PASSWORD)


def second_click_of(client):
    """Another request from the same page: it read the session before the first click's
    answer changed it (logging in gives the session a new key and drops the old one)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.test import Client as Browser

    key = client.session.session_key
    data = dict(client.session.items())
    browser = Browser()
    browser.cookies.load({name: morsel.value for name, morsel in client.cookies.items()})

    def restore_session():
        Session.objects.update_or_create(
            session_key=key,
            defaults={
                "session_data": SessionStore().encode(data),
                "expire_date": timezone.now() + accounts.ACCOUNT_LINK_VALIDITY,
            },
        )

    return browser, restore_session


def test_a_double_click_on_create_my_space_opens_one_account_and_logs_in(
    client, elodie, elodie_invoice
):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    url = follow(client, path).redirect_chain[-1][0]
    data = {"new_password1": PASSWORD, "new_password2": PASSWORD}
    browser, as_read_before = second_click_of(client)

    client.post(url, data)
    as_read_before()
    second = browser.post(url, data)

    assert second["Location"] == reverse("portal:ai_status")
    assert User.objects.filter(role=Role.CLIENT, email=elodie.email).count() == 1
    elodie.refresh_from_db()
    assert browser.session["_auth_user_id"] == str(elodie.user.pk)


def test_a_repeat_with_another_password_is_told_the_link_was_used(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    url = follow(client, path).redirect_chain[-1][0]
    browser, as_read_before = second_click_of(client)
    client.post(url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    as_read_before()

    response = browser.post(
        url, {"new_password1": "un-autre-secret-2026", "new_password2": "un-autre-secret-2026"}
    )

    assert "Votre espace client est déjà créé" in text(response)
    assert "_auth_user_id" not in browser.session


def test_the_link_expires_after_48_hours(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    with time_machine.travel(timezone.now() + accounts.ACCOUNT_LINK_VALIDITY, tick=False):
        response = open_account(client, path)

    assert "Il a expiré" in text(response)
    elodie.refresh_from_db()
    assert elodie.user is None


def test_only_a_hash_of_the_link_is_stored(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    token = path.rstrip("/").rsplit("/", 1)[-1]

    invitation = AccountInvitation.objects.get()
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert invitation.token_hash == accounts.hash_token(token)


def test_a_link_sent_before_the_email_changed_no_longer_opens(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    Client.objects.filter(pk=elodie.pk).update(email="elodie.nouvelle@example.org")

    response = open_account(client, path)

    assert "L'adresse e-mail de votre fiche a changé" in text(response)
    assert not User.objects.filter(role=Role.CLIENT, client__pk=elodie.pk).exists()


def test_an_address_another_account_logs_in_with_cannot_open_a_second_one(
    client, elodie, elodie_invoice
):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    UserFactory(email=elodie.email, role=Role.CLIENT)

    response = open_account(client, path)

    assert "Un compte utilise déjà cette adresse" in text(response)
    elodie.refresh_from_db()
    assert elodie.user is None


def test_an_unknown_link_is_a_404_that_says_what_to_do(client):
    response = follow(client, reverse("signup:open", args=["pas-un-vrai-lien"]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Demander un nouveau lien" in text(response)


def test_the_password_follows_djangos_rules(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    response = open_account(client, path, password="12345678")
    errors = response.context["form"].errors["new_password2"]
    assert any("entièrement numérique" in error for error in errors)


def test_the_two_passwords_must_match(client, elodie, elodie_invoice):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    response = open_account(client, path, confirmation="autre-chose-1")
    assert response.context["form"].errors["new_password2"]
    elodie.refresh_from_db()
    assert elodie.user is None


def test_a_sent_quote_identifies_the_client_too_but_not_a_draft_one(
    client, carol, elodie, make_quote
):
    draft = make_quote(carol, elodie)
    today = timezone.localdate()
    # The number and date it will get once sent: a draft has neither yet.
    as_if_sent = SimpleNamespace(number=f"D{today.year}-00001", issue_date=today)
    client.post(reverse(SIGNUP), signup_data(as_if_sent))
    assert mail.outbox == []
    quote = invoice_services.quote_send(quote=draft, by=carol.user)
    assert quote.number == as_if_sent.number

    client.post(reverse(SIGNUP), signup_data(quote))

    assert len(links_to(elodie.email)) == 1


def test_the_number_is_read_without_spaces_and_in_capitals(client, elodie, elodie_invoice):
    typed = f" {elodie_invoice.number[:4]} {elodie_invoice.number[4:]} ".lower()
    client.post(reverse(SIGNUP), signup_data(elodie_invoice, invoice_number=typed))
    assert len(links_to(elodie.email)) == 1


def test_a_client_with_an_account_is_reminded_how_to_log_in(client, alice, alice_invoice):
    client.post(reverse(SIGNUP), signup_data(alice_invoice))

    [message] = mail.outbox
    assert message.to == [alice.email]
    assert "Vous en avez déjà un" in message.body
    assert "/mot-de-passe-oublie/" in message.body
    assert links_to(alice.email) == []


# --- one answer for everything --------------------------------------------------------------------


def answer(response) -> tuple:
    return response.status_code, response.get("Location"), tuple(sorted(response.cookies))


def test_every_outcome_gets_the_same_answer(
    client, cooperative, carol, elodie, elodie_invoice, alice_invoice, make_draft, monkeypatch
):
    success = client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    no_email = ClientFactory(cooperative=cooperative, providers=[carol])
    no_email_invoice = invoice_services.invoice_issue(
        invoice=make_draft(carol, no_email), by=carol.user
    )
    Client.objects.filter(pk=no_email.pk).update(email="")
    outcomes = {
        "wrong number": signup_data(elodie_invoice, invoice_number="2099-00001"),
        "wrong date": signup_data(elodie_invoice, invoice_date="2001-01-01"),
        "no e-mail on file": signup_data(no_email_invoice),
        "account already open": signup_data(alice_invoice),
    }
    answers = {name: answer(client.post(reverse(SIGNUP), data)) for name, data in outcomes.items()}
    monkeypatch.setattr(accounts, "GUESSES_PER_VISITOR", Limit("test-throttled", 0, 60))
    answers["throttled"] = answer(client.post(reverse(SIGNUP), signup_data(elodie_invoice)))

    assert set(answers.values()) == {answer(success)}
    assert answer(success) == (HTTPStatus.FOUND, reverse(SENT), ())


def test_the_answer_page_helps_a_real_client_without_saying_anything(client):
    page = text(client.get(reverse(SENT)))
    assert "Si ce numéro et cette date correspondent à l'un de nos documents" in page
    assert "valable 48 heures (jusqu'au" in page
    assert "courriers indésirables" in page
    assert "demandez à votre prestataire de vous envoyer une invitation" in page


def test_the_form_asks_for_no_email_so_it_cannot_say_one_has_an_account(client, alice):
    page = client.get(reverse(SIGNUP)).content.decode()
    assert 'name="email"' not in page
    assert "existe déjà" not in page


# --- rate limits: guesses per address and in all, e-mails per client -----------------------------


def test_guesses_from_one_address_are_limited_whatever_the_number(client, elodie, elodie_invoice):
    for attempt in range(accounts.GUESSES_PER_VISITOR.limit):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_number=f"2026-{attempt:05d}9"),
            REMOTE_ADDR="203.0.113.9",
        )

    throttled = client.post(reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="203.0.113.9")
    neighbour = client.post(
        reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="198.51.100.7"
    )

    assert answer(throttled) == answer(neighbour)
    assert len(links_to(elodie.email)) == 1  # the neighbour's, not the guesser's


def test_guesses_from_many_addresses_share_a_global_budget(
    client, elodie, elodie_invoice, monkeypatch
):
    monkeypatch.setattr(accounts, "GUESSES_IN_ALL", Limit("test-all", 3, 3600))
    for attempt in range(3):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_date="2001-01-01"),
            REMOTE_ADDR=f"203.0.113.{attempt}",
        )

    client.post(reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="198.51.100.7")

    assert mail.outbox == []


def test_behind_a_proxy_each_visitor_has_their_own_limit(client, elodie, elodie_invoice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for attempt in range(accounts.GUESSES_PER_VISITOR.limit):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_number=f"2026-{attempt:05d}9"),
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )

    client.post(
        reverse(SIGNUP), signup_data(elodie_invoice), HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    assert mail.outbox == []
    client.post(
        reverse(SIGNUP), signup_data(elodie_invoice), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert len(links_to(elodie.email)) == 1  # the proxy's address is not shared


def test_a_stranger_failing_on_the_clients_number_does_not_lock_the_client_out(
    client, elodie, elodie_invoice
):
    # Issue 11: five wrong dates used to block the number for 24 hours, the real client too.
    for attempt in range(30):
        client.post(
            reverse(SIGNUP),
            signup_data(elodie_invoice, invoice_date="2001-01-01"),
            REMOTE_ADDR=f"203.0.113.{attempt}",
        )

    client.post(reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR="198.51.100.7")

    [path] = links_to(elodie.email)
    assert open_account(client, path)["Location"] == reverse("portal:ai_status")


def test_the_client_receives_a_few_emails_at_most_and_the_first_link_still_works(
    client, elodie, elodie_invoice
):
    # Someone who knows the number and date asks again and again: the client's mailbox gets
    # SIGNUP_MAILS_PER_CLIENT e-mails a day, and none of the links sent is revoked.
    for attempt in range(10):
        client.post(
            reverse(SIGNUP), signup_data(elodie_invoice), REMOTE_ADDR=f"203.0.113.{attempt}"
        )

    paths = links_to(elodie.email)
    assert len(paths) == accounts.SIGNUP_MAILS_PER_CLIENT.limit
    assert open_account(client, paths[0])["Location"] == reverse("portal:ai_status")


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_guesses_evaluate_at_most_the_limit(elodie, elodie_invoice, monkeypatch):
    """50 requests at once from one address, on real PostgreSQL and Redis: the limit holds."""
    evaluated = []
    lock = threading.Lock()
    real = accounts.client_for_document

    def counted(**kwargs):
        with lock:
            evaluated.append(kwargs["number"])
        return real(**kwargs)

    monkeypatch.setattr(accounts, "client_for_document", counted)
    barrier = threading.Barrier(50)

    def attempt(index: int) -> None:
        browser = HttpClient()
        barrier.wait()
        try:
            browser.post(
                reverse(SIGNUP),
                signup_data(elodie_invoice, invoice_number=f"2026-9{index:04d}"),
                REMOTE_ADDR="203.0.113.5",
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 0 < len(evaluated) <= accounts.GUESSES_PER_VISITOR.limit


# --- the demo scenario ----------------------------------------------------------------------------


@pytest.mark.usefixtures("urssaf_settings")
def test_a_new_client_signs_up_registers_and_becomes_active(
    client, elodie, elodie_invoice, sandbox, on_commit
):
    client.post(reverse(SIGNUP), signup_data(elodie_invoice))
    [path] = links_to(elodie.email)
    open_account(client, path)
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
