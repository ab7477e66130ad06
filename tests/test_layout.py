"""The page frame: the cooperative's own name, a menu that marks where the reader is."""

from http import HTTPStatus

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_cooperatives_name_and_the_current_section(client, carol):
    carol.cooperative.legal_name = "Coopérative des Monts du Lyonnais"
    carol.cooperative.save(update_fields=["legal_name"])
    client.force_login(carol.user)

    response = client.get(reverse("provider:invoice_list"))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<span>Coopérative des Monts du Lyonnais</span>" in html
    assert "— Coopérative des Monts du Lyonnais</title>" in html
    # The sidebar and the phone menu both mark "Mes factures", and only it.
    invoices = reverse("provider:invoice_list")
    assert html.count(f'href="{invoices}" aria-current="page"') == 2
    assert html.count('aria-current="page"') == 2


def test_the_dashboard_link_is_current_only_on_the_dashboard(client, carol):
    client.force_login(carol.user)

    html = client.get(reverse("provider:client_list")).content.decode()

    assert f'href="{reverse("provider:dashboard")}" aria-current' not in html
    assert f'href="{reverse("provider:client_list")}" aria-current="page"' in html


def test_a_client_has_a_top_menu_and_no_sidebar(client, alice):
    client.force_login(alice.user)

    html = client.get(reverse("portal:invoice_list")).content.decode()

    assert "site-sidebar" not in html
    assert f'href="{reverse("portal:quote_list")}"' in html


def test_the_page_for_an_unknown_url_does_without_the_database(client):
    # Error pages of unresolved URLs never ask the database (tests/test_error_pages.py).
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "<span>Coopérative SAP</span>" in response.content.decode()
