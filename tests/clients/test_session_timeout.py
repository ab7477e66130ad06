"""Sessions end after inactivity, sooner for staff; activity keeps them alive."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from clients.session_timeout import NOTICE_WINDOW

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
STAFF_IDLE = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_STAFF)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def signed_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_a_client_idle_longer_than_the_timeout_is_signed_out(client, alice, clock):
    client.force_login(alice.user)
    assert client.get(reverse("portal:invoice_list")).status_code == HTTPStatus.OK

    clock.shift(IDLE + dt.timedelta(minutes=1))
    response = client.get(reverse("portal:invoice_list"), follow=True)

    login = reverse("login")
    assert response.redirect_chain[0][0].startswith(login)
    assert not signed_in(client, alice.user)
    assert "sans activité" in response.content.decode()


def test_activity_keeps_the_session_alive(client, alice, clock):
    client.force_login(alice.user)
    for _ in range(4):
        assert client.get(reverse("portal:invoice_list")).status_code == HTTPStatus.OK
        clock.shift(IDLE - dt.timedelta(minutes=2))
    assert client.get(reverse("portal:invoice_list")).status_code == HTTPStatus.OK
    assert signed_in(client, alice.user)


def test_staff_are_signed_out_sooner_than_clients(client, alice, sam, clock):
    assert STAFF_IDLE < IDLE
    client.force_login(sam)
    client.get(reverse("admin:index"))
    other = client.__class__()
    other.force_login(alice.user)
    other.get(reverse("portal:invoice_list"))

    clock.shift(STAFF_IDLE + dt.timedelta(minutes=1))

    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    assert not signed_in(client, sam)
    assert other.get(reverse("portal:invoice_list")).status_code == HTTPStatus.OK


def test_the_stored_session_disappears_soon_after_the_idle_timeout(client, alice, clock):
    client.force_login(alice.user)
    client.get(reverse("portal:invoice_list"))

    session = Session.objects.get(session_key=client.session.session_key)

    notice = dt.timedelta(seconds=NOTICE_WINDOW)
    assert session.expire_date == timezone.now() + IDLE + notice
    assert notice <= dt.timedelta(hours=8)
