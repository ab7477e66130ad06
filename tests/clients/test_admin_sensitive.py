"""The admin refuses URL lookups that reach sensitive data: no IBAN recovered digit by digit."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from clients.admin.sensitive import check_admins_refuse_sensitive_lookups, reaches_sensitive_field
from clients.encryption import is_sensitive
from clients.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


@pytest.mark.parametrize(
    ("changelist", "lookup"),
    [
        ("admin:clients_client_changelist", "iban__startswith=FR76"),
        ("admin:clients_client_changelist", "bic__startswith=AG"),
        ("admin:clients_client_changelist", "birth_date__year=1975"),
        ("admin:clients_client_changelist", "birth_date=1975-05-17"),
        ("admin:clients_client_changelist", "birth_commune_code__startswith=69"),
        ("admin:clients_client_changelist", "birth_date_hash=0"),
        ("admin:clients_provider_changelist", "payout_iban__startswith=FR76"),
        ("admin:clients_provider_changelist", "payout_bic__startswith=AG"),
        ("admin:clients_provider_changelist", "clients__iban__startswith=FR76"),
        ("admin:urssaf_airegistration_changelist", "client__iban__startswith=FR76"),
        ("admin:clients_user_changelist", "client__iban__startswith=FR76"),
        ("admin:invoices_invoice_changelist", "client__birth_date__year=1975"),
        ("admin:invoices_payout_changelist", "provider__payout_iban__startswith=FR76"),
        ("admin:invoices_payoutbatch_changelist", "debtor_iban__startswith=FR76"),
    ],
)
def test_staff_cannot_filter_a_changelist_on_sensitive_data(staff, alice, changelist, lookup):
    alice.iban = "FR7630006000011234567890189"
    alice.save()

    response = staff.get(f"{reverse(changelist)}?{lookup}")

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_ordinary_filters_still_work(staff, alice):
    response = staff.get(reverse("admin:clients_client_changelist") + "?ai_status=not_registered")
    assert response.status_code == HTTPStatus.OK
    assert "Lefebvre" in response.content.decode()


def _paths_to_sensitive_fields(model):
    """Every lookup path of one or two steps that ends on a sensitive field."""
    for field in model._meta.get_fields():
        if is_sensitive(field):
            yield field.name
        elif field.is_relation and field.related_model is not None:
            for target in field.related_model._meta.get_fields():
                if is_sensitive(target):
                    yield f"{field.name}__{target.name}"


def test_every_admin_refuses_every_path_to_a_sensitive_field(sam):
    request = RequestFactory().get("/admin/")
    request.user = sam
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for path in _paths_to_sensitive_fields(model):
            assert not model_admin.lookup_allowed(f"{path}__startswith", "F", request), path
            checked += 1
    assert checked >= 20


def test_a_path_through_ordinary_fields_is_not_sensitive():
    assert not reaches_sensitive_field(Client, "providers__last_name__startswith")
    assert reaches_sensitive_field(Client, "providers__payout_iban")


def test_the_system_check_names_an_admin_that_would_allow_such_lookups(monkeypatch):
    plain = admin.ModelAdmin(Client, admin.site)
    monkeypatch.setitem(admin.site._registry, Client, plain)

    errors = check_admins_refuse_sensitive_lookups()

    assert [error.id for error in errors] == ["clients.E001"]
    assert check_admins_refuse_sensitive_lookups() != []
    monkeypatch.undo()
    assert check_admins_refuse_sensitive_lookups() == []
