"""The 400/403/404/500 pages are the French templates, as production (DEBUG off) serves them."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import include, path, reverse


def explode(request):
    raise RuntimeError("Deliberate failure to render the 500 page")


# Served only to the tests marked with this module as their URLconf.
urlpatterns = [
    path("test-500/", explode),
    path("", include("config.urls")),
]


@pytest.fixture(autouse=True)
def _production_mode(settings):
    settings.DEBUG = False


def test_unknown_url_renders_the_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    body = response.content.decode()
    assert "Page introuvable" in body
    assert '<html lang="fr">' in body


@pytest.mark.django_db
def test_someone_elses_invoice_renders_the_french_404_page(client, bob, alice_invoice):
    client.force_login(bob.user)

    response = client.get(reverse("portal:invoice_detail", kwargs={"code": alice_invoice.code}))

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_a_provider_on_a_client_page_gets_the_french_403_page(client, carol):
    client.force_login(carol.user)

    response = client.get(reverse("portal:profile"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Accès refusé" in response.content.decode()


@pytest.mark.django_db
def test_a_form_posted_without_its_csrf_token_gets_the_french_page():
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("login"), {"username": "alice@example.org", "password": "x"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Formulaire expiré" in response.content.decode()


def test_a_request_for_an_unknown_host_gets_the_french_400_page(client):
    response = client.get("/", HTTP_HOST="portail.example.com")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Requête invalide" in response.content.decode()


@pytest.mark.urls(__name__)
def test_an_unexpected_error_renders_the_french_500_page():
    browser = Client(raise_request_exception=False)

    response = browser.get("/test-500/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    body = response.content.decode()
    assert "Erreur du serveur" in body
    assert "Deliberate failure" not in body
