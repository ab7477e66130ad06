"""Password reset by e-mail, and log-in e-mails that ignore capitals.

The reset answers the same whether the address has an account; its link works once, for 24
hours; it lifts a login lockout (or a stranger's failed tries would make it useless).
"""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from clients.models import Role, User
from clients.services import accounts

from ..mailbox import paths_in_mail

pytestmark = pytest.mark.django_db

RESET = "accounts:password_reset"
NEW_PASSWORD = "un-nouveau-secret-2026"
OLD_PASSWORD = "motdepasse-solide-42"  # the factories'


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the rate limits live there


def reset_link(address: str) -> str:
    [path] = paths_in_mail(address, "/mot-de-passe-oublie/", segments=2)
    return path


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    form = client.get(link, follow=True)  # Django swaps the token for a session key
    url = form.redirect_chain[-1][0] if form.redirect_chain else link
    return client.post(url, {"new_password1": password, "new_password2": password})


def log_in(client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


# --- the pages ----------------------------------------------------------------------------------


def test_the_login_and_lockout_pages_lead_to_the_reset(client):
    assert reverse(RESET) in client.get(reverse("login")).content.decode()
    assert reverse(RESET) in render_to_string("registration/locked_out.html")


def test_the_reset_pages_refuse_other_methods(client):
    assert client.put(reverse(RESET)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    done = reverse("accounts:password_reset_done")
    assert client.post(done).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- the same answer whether the address has an account -------------------------------------------


def answer(response) -> tuple:
    return response.status_code, response["Location"], tuple(sorted(response.cookies))


def test_a_known_and_an_unknown_address_get_the_same_answer(client, alice):
    known = client.post(reverse(RESET), {"email": alice.user.email})
    unknown = client.post(reverse(RESET), {"email": "personne@example.org"})

    assert answer(known) == answer(unknown)
    assert answer(known)[1] == reverse("accounts:password_reset_done")
    assert [message.to for message in mail.outbox] == [[alice.user.email]]


def test_the_answer_page_says_if_not_whether(client):
    page = client.get(reverse("accounts:password_reset_done")).content.decode()
    assert "Si un compte du portail utilise cette adresse" in page
    assert "valable 24 heures" in page
    assert "courriers indésirables" in page


def test_the_email_is_a_triplet_with_a_link_to_the_portals_address(client, alice, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8050"
    client.post(reverse(RESET), {"email": alice.user.email})

    [message] = mail.outbox
    assert message.subject.startswith("Choisissez un nouveau mot de passe")
    assert "http://127.0.0.1:8050/mot-de-passe-oublie/" in message.body
    assert "valable 24 heures, jusqu'au" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Choisir un nouveau mot de passe" in html


def test_requests_are_limited_per_address_with_the_same_answer(client, alice):
    responses = [
        client.post(reverse(RESET), {"email": alice.user.email}, REMOTE_ADDR=f"203.0.113.{n}")
        for n in range(5)
    ]
    assert len({answer(response) for response in responses}) == 1
    assert len(mail.outbox) == accounts.RESET_MAILS_PER_ADDRESS.limit


# --- the link -----------------------------------------------------------------------------------


def test_the_link_sets_a_new_password_that_logs_in(client, alice):
    client.post(reverse(RESET), {"email": alice.user.email})

    done = choose_password(client, reset_link(alice.user.email))

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert log_in(client, alice.user.email, NEW_PASSWORD).status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(alice.user.pk)


def test_the_link_works_once(client, alice):
    client.post(reverse(RESET), {"email": alice.user.email})
    link = reset_link(alice.user.email)
    choose_password(client, link)

    again = client.get(link, follow=True)

    assert "Ce lien n'est plus valable" in again.content.decode()


def test_the_link_expires_after_24_hours(client, alice):
    start = timezone.now()
    # Both moments under time-machine: the token generator reads naive local time.
    with time_machine.travel(start, tick=False):
        client.post(reverse(RESET), {"email": alice.user.email})
    link = reset_link(alice.user.email)
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        still = client.get(link, follow=True)
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        expired = client.get(link, follow=True)

    assert "Choisissez un nouveau mot de passe" in still.content.decode()
    assert "Ce lien n'est plus valable" in expired.content.decode()


def test_a_reset_lifts_the_lockout(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, alice.user.email, "faux")
    locked = log_in(client, alice.user.email, OLD_PASSWORD)
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert reverse(RESET) in locked.content.decode()

    client.post(reverse(RESET), {"email": alice.user.email})
    choose_password(client, reset_link(alice.user.email))

    assert log_in(client, alice.user.email, NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_a_reset_is_audited(client, alice):
    client.post(reverse(RESET), {"email": alice.user.email})
    choose_password(client, reset_link(alice.user.email))

    assert audit_trail(alice.user).get().action == "user.password.reset"


# --- e-mails without capitals ---------------------------------------------------------------------


def test_login_ignores_capitals(client, alice):
    response = log_in(client, "Alice@Example.ORG", OLD_PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(alice.user.pk)


def test_the_reset_ignores_capitals(client, alice):
    client.post(reverse(RESET), {"email": "ALICE@example.org"})
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]


def test_an_email_is_stored_in_lower_case_whatever_the_way_in(alice):
    user = User(email="Bernard.Moreau@Demo.COOP", role=Role.CLIENT)
    user.save()
    assert user.email == "bernard.moreau@demo.coop"
    assert User.objects.get(email="BERNARD.moreau@demo.coop") == user


def test_two_users_differing_only_by_capitals_cannot_exist(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ALICE@example.org")


def test_the_database_refuses_capitals_written_around_the_model(alice):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_user SET email = 'Alice@Example.org' WHERE id = %s", [alice.user.pk]
        )


def test_failures_with_other_capitals_count_against_the_same_account(client, alice):
    for variant in (
        "Alice@example.org",
        "ALICE@example.org",
        "alice@EXAMPLE.org",
        "aLice@example.org",
    ):
        log_in(client, variant, "faux")
    last = log_in(client, "alicE@example.org", "faux")
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS
