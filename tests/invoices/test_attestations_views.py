import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse

from invoices.attestations import attestation_generate
from invoices.models import PaymentMode

from .conftest import housework_month, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_attestation(carol, alice):
    invoice = housework_month(carol, alice, 2025, 3, 4, "30")
    pay(invoice, "120.00", dt.date(2025, 3, 27), PaymentMode.TRANSFER)
    attestation, _ = attestation_generate(client=alice, year=2025)
    return attestation


@pytest.fixture
def bob_attestation(dave, bob):
    invoice = housework_month(dave, bob, 2025, 5, 4, "25")
    pay(invoice, "100.00", dt.date(2025, 5, 27), PaymentMode.CHEQUE)
    attestation, _ = attestation_generate(client=bob, year=2025)
    return attestation


def download_url(attestation) -> str:
    return reverse("attestations:download", args=[attestation.code])


# --- Download --------------------------------------------------------------------------------


def test_a_client_downloads_their_own_attestation(client, alice, alice_attestation):
    client.force_login(alice.user)

    response = client.get(download_url(alice_attestation))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert "attestation-fiscale-2025-v1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_clients_attestation_is_not_found(client, bob, alice_attestation):
    client.force_login(bob.user)

    assert client.get(download_url(alice_attestation)).status_code == HTTPStatus.NOT_FOUND


def test_anonymous_visitors_are_sent_to_login_to_download(client, alice_attestation):
    response = client.get(download_url(alice_attestation))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_download_refuses_post(client, alice, alice_attestation):
    client.force_login(alice.user)

    response = client.post(download_url(alice_attestation))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_provider_cannot_download_their_clients_attestation(client, carol, alice_attestation):
    client.force_login(carol.user)

    assert client.get(download_url(alice_attestation)).status_code == HTTPStatus.FORBIDDEN


# --- The client's list -----------------------------------------------------------------------


def test_the_list_shows_only_the_clients_own_attestations_with_older_versions(
    client, carol, alice, alice_attestation, bob_attestation
):
    pay(
        housework_month(carol, alice, 2025, 6, 4, "10"),
        "40.00",
        dt.date(2025, 6, 28),
        PaymentMode.TRANSFER,
    )
    second, _ = attestation_generate(client=alice, year=2025)
    client.force_login(alice.user)

    response = client.get(reverse("attestations:list"))

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert [(year, current) for year, current, _ in response.context["years"]] == [(2025, second)]
    assert download_url(second) in body
    assert download_url(alice_attestation) in body  # version 1, kept
    assert bob_attestation.reference not in body


def test_the_list_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("attestations:list"))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_the_list_refuses_post(client, alice):
    client.force_login(alice.user)

    assert client.post(reverse("attestations:list")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- The provider's page ---------------------------------------------------------------------


def test_a_provider_sees_which_clients_have_an_attestation_but_not_its_content(
    client, carol, alice, alice_attestation, bob_attestation
):
    client.force_login(carol.user)

    response = client.get(reverse("attestations:provider_list"), {"annee": 2025})

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert [(c.pk, c.has_attestation) for c in response.context["clients"]] == [(alice.pk, True)]
    assert "Disponible" in body
    assert alice_attestation.reference not in body
    assert "120,00" not in body
    assert str(alice_attestation.code) not in body
    assert "Moreau" not in body  # Bob is Dave's client


def test_a_provider_sees_a_missing_attestation_for_another_year(
    client, carol, alice, alice_attestation
):
    client.force_login(carol.user)

    response = client.get(reverse("attestations:provider_list"), {"annee": 2024})

    assert [c.has_attestation for c in response.context["clients"]] == [False]
    assert "Non établie" in response.content.decode()


def test_the_provider_page_is_for_providers_only(client, alice):
    client.force_login(alice.user)

    response = client.get(reverse("attestations:provider_list"))

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_the_provider_page_refuses_post(client, carol):
    client.force_login(carol.user)

    response = client.post(reverse("attestations:provider_list"))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
