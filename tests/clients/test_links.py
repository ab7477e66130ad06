"""A provider joins an existing client record only with the client's consent, or the staff's.

Dave records Alice (Carol's client) under her e-mail: he gets a record of his own, Alice gets a
link to accept or refuse, and only her yes (or the staff's) adds Dave to her record.
"""

from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from clients import services
from clients.models import Client, ClientLinkRequest, LinkRequestState
from clients.ratelimit import Limit
from clients.services import links
from invoices import services as invoice_services

from ..mailbox import paths_in_mail
from .test_services import client_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the e-mail limits live there


@pytest.fixture
def dave_records_alice(alice, dave, on_commit):
    """Dave records Alice under her e-mail; return his own record of her."""
    with on_commit():
        record, _ = services.client_create_for_provider(
            provider=dave, data=client_fields(email=alice.email)
        )
    return record


def link_path(address: str) -> str:
    [path] = paths_in_mail(address, "/rattachement/")
    return path


def follow(client, path: str):
    """Open an e-mailed link as a browser does: its token moves to the session at once."""
    return client.get(path, follow=True)


def answer(client, path: str, value: str):
    page = follow(client, path)
    return client.post(page.redirect_chain[-1][0], {"answer": value})


def test_the_client_is_asked_at_her_recorded_address_with_the_links_expiry(
    alice, dave_records_alice
):
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert "Dave Bernard, prestataire membre de" in message.body
    assert "valable 7 jours, jusqu'au" in message.body
    assert "Sans réponse, rien ne change" in message.body
    request = ClientLinkRequest.objects.get()
    token = link_path(alice.email).rstrip("/").rsplit("/", 1)[-1]
    assert request.token_hash == links.hash_token(token)


def test_accepting_adds_the_provider_and_removes_his_empty_duplicate(
    client, alice, carol, dave, dave_records_alice
):
    path = link_path(alice.email)
    page = follow(client, path)
    assert "Dave Bernard</strong>, prestataire membre de" in page.content.decode()

    done = answer(client, path, "accept")

    assert "C'est fait" in done.content.decode()
    assert set(alice.providers.all()) == {carol, dave}
    assert not Client.objects.filter(pk=dave_records_alice.pk).exists()
    request = ClientLinkRequest.objects.get()
    assert (request.state, request.decided_by) == (LinkRequestState.ACCEPTED, alice.user)
    entry = audit_trail(alice).get(action="client.link.accepted")
    assert entry.changes == {"providers": [None, "Dave Bernard"]}


def test_declining_leaves_the_record_alone(client, alice, carol, dave, dave_records_alice):
    answer(client, link_path(alice.email), "decline")

    assert list(alice.providers.all()) == [carol]
    assert Client.objects.for_provider(dave).get() == dave_records_alice
    assert ClientLinkRequest.objects.get().state == LinkRequestState.DECLINED


def test_the_link_answers_once(client, alice, carol, dave_records_alice):
    path = link_path(alice.email)
    answer(client, path, "decline")

    again = answer(client, path, "accept")

    assert again.status_code == HTTPStatus.NOT_FOUND
    assert "Ce lien n'est plus valable" in again.content.decode()
    assert list(alice.providers.all()) == [carol]


def test_the_link_expires_after_seven_days(client, alice, carol, dave_records_alice):
    with time_machine.travel(timezone.now() + links.LINK_REQUEST_VALIDITY, tick=False):
        response = answer(client, link_path(alice.email), "accept")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert list(alice.providers.all()) == [carol]


def test_an_answer_must_say_yes_or_no(client, alice, dave_records_alice):
    response = answer(client, link_path(alice.email), "peut-être")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert ClientLinkRequest.objects.get().state == LinkRequestState.PENDING


def test_a_duplicate_with_documents_is_kept_for_the_staff(
    client, alice, dave, dave_records_alice, make_draft
):
    invoice_services.invoice_issue(invoice=make_draft(dave, dave_records_alice), by=dave.user)

    answer(client, link_path(alice.email), "accept")

    assert dave in alice.providers.all()
    assert Client.objects.filter(pk=dave_records_alice.pk).exists()
    assert audit_trail(dave_records_alice).filter(action="client.duplicate.kept").exists()


def test_the_staff_approve_a_request_in_the_admin(
    client, sam, alice, carol, dave, dave_records_alice
):
    client.force_login(sam)
    request = ClientLinkRequest.objects.get()
    changelist = reverse("admin:clients_clientlinkrequest_changelist")

    response = client.post(
        changelist, {"action": "approve", "_selected_action": [request.pk]}, follow=True
    )

    assert response.status_code == HTTPStatus.OK
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (LinkRequestState.APPROVED, sam)
    assert set(alice.providers.all()) == {carol, dave}
    # The client's link no longer works once the staff decided.
    assert follow(client, link_path(alice.email)).status_code == HTTPStatus.NOT_FOUND


def test_past_the_mail_limits_the_request_waits_for_the_staff_silently(
    alice, dave, monkeypatch, on_commit
):
    monkeypatch.setattr(links, "LINK_MAILS_PER_PROVIDER", Limit("test-link", 0, 60))
    with on_commit():
        services.client_create_for_provider(provider=dave, data=client_fields(email=alice.email))

    assert mail.outbox == []
    request = ClientLinkRequest.objects.get()
    assert (request.state, request.token_hash) == (LinkRequestState.PENDING, None)
    entry = audit_trail(alice).get(action="client.link.requested")
    assert "à décider par l'équipe" in entry.note


def test_the_request_never_shows_on_the_providers_record(client, dave, dave_records_alice):
    client.force_login(dave.user)
    page = client.get(reverse("provider:client_detail", args=[dave_records_alice.code]))
    body = page.content.decode()
    assert "rattach" not in body.lower()
    assert "Fiche créée" in body
