"""The cooperative's admin site (config/admin_site.py)."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.urls import reverse

from config.admin_site import PortalAdminSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_list_builds(monkeypatch):
    """Count the times the admin works out the list of apps (one permission check per model)."""
    built = []
    real = AdminSite._build_app_dict

    def counting(self, request, label=None):
        built.append(label)
        return real(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counting)
    return built


def test_the_portal_uses_the_cooperatives_admin_site_with_its_titles():
    assert isinstance(admin.site, PortalAdminSite)
    assert admin.site.site_header == "Coopérative SAP — administration"
    assert not admin.site.enable_nav_sidebar


def test_a_list_page_does_not_work_out_the_list_of_apps_it_does_not_show(
    client, sam, app_list_builds
):
    client.force_login(sam)

    response = client.get(reverse("admin:urssaf_airegistration_changelist"))

    assert response.status_code == HTTPStatus.OK
    assert app_list_builds == []


def test_the_home_page_still_lists_the_apps(client, sam, app_list_builds):
    client.force_login(sam)

    page = client.get(reverse("admin:index")).content.decode()

    assert app_list_builds
    assert "Gestion de la coopérative" in page
    assert reverse("admin:urssaf_airegistration_changelist") in page


def test_an_apps_page_lists_its_models_and_an_unknown_one_is_not_found(client, sam):
    client.force_login(sam)

    page = client.get(reverse("admin:app_list", args=["urssaf"]))
    unknown = client.get("/admin/inconnue/")

    assert page.status_code == HTTPStatus.OK
    assert reverse("admin:urssaf_airegistration_changelist") in page.content.decode()
    assert unknown.status_code == HTTPStatus.NOT_FOUND
