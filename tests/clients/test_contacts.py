"""A client's e-mail and phone are never a provider's, the staff's or the cooperative's.

Issue 11: a provider could register his client with URSSAF under his own e-mail and phone, and
then validate his own payment requests. Every form that sets them refuses: the provider's
record form (tests/clients/test_views_provider.py), the avance immédiate form, the admin.
"""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.services import audit_trail
from clients.contacts import (
    EMAIL_IS_COOPERATIVES,
    PHONE_IS_COOPERATIVES,
    phone_key,
    validate_client_email,
    validate_client_phone,
)

from ..test_no_secrets_in_logs import admin_form_data
from ..urssaf.registration.test_views import form_data_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_with_phone(carol):
    carol.phone = "06 99 88 77 66"
    carol.save()
    return carol


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("06 99 88 77 66", "0699887766"),
        ("+33 6 99 88 77 66", "0699887766"),
        ("0033699887766", "0699887766"),
    ],
)
def test_a_number_is_compared_in_its_national_form(typed, key):
    assert phone_key(typed) == key


def test_the_validators_name_every_seat_of_the_cooperative(carol_with_phone, sam, cooperative):
    for address in ("carol@example.org", "Sam@Example.org", cooperative.email.upper()):
        with pytest.raises(ValidationError) as caught:
            validate_client_email(address)
        assert caught.value.messages == [EMAIL_IS_COOPERATIVES]
    with pytest.raises(ValidationError):
        validate_client_phone("+33699887766")
    validate_client_email("alice.perso@example.org")
    validate_client_phone("0611111111")


def test_a_client_address_may_be_another_clients(alice):
    validate_client_email(alice.user.email)  # clients are not the cooperative


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "carol@example.org", EMAIL_IS_COOPERATIVES),
        ("mobile_phone", "0699887766", PHONE_IS_COOPERATIVES),
    ],
)
def test_the_avance_immediate_form_refuses_the_providers_contact(
    client, carol_with_phone, alice, field, value, message
):
    client.force_login(carol_with_phone.user)
    url = reverse("provider:client_ai_register", args=[alice.code])
    extra = {field: value, "email_confirmation": value} if field == "email" else {field: value}

    response = client.post(url, form_data_for(alice, **extra))

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors[field] == [message]
    alice.refresh_from_db()
    assert getattr(alice, field) != value


def test_the_client_cannot_give_the_providers_address_either(client, carol, alice):
    client.force_login(alice.user)
    data = form_data_for(alice, email="carol@example.org", email_confirmation="carol@example.org")
    response = client.post(reverse("portal:ai_register"), data)
    assert response.context["form"].errors["email"] == [EMAIL_IS_COOPERATIVES]


def test_the_admin_refuses_a_staff_address_on_a_client(client, sam, alice):
    client.force_login(sam)
    url = reverse("admin:clients_client_change", args=[alice.pk])

    response = client.post(url, {**admin_form_data(client.get(url)), "email": "sam@example.org"})

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["email"] == [EMAIL_IS_COOPERATIVES]
    alice.refresh_from_db()
    assert alice.email != "sam@example.org"


def test_a_change_in_the_admin_is_audited_and_shown_with_the_record(client, sam, alice, dave):
    client.force_login(sam)
    url = reverse("admin:clients_client_change", args=[alice.pk])
    data = admin_form_data(client.get(url))
    data["providers"] = [*data.get("providers", []), str(dave.pk)]

    response = client.post(url, {**data, "city": "Bron"})

    assert response.status_code == HTTPStatus.FOUND
    actions = {entry.action: entry for entry in audit_trail(alice)}
    assert actions["client.record.changed"].changes == {"city": ["Lyon", "Bron"]}
    assert actions["client.record.changed"].actor == sam
    assert actions["client.providers.changed"].changes == {
        "providers": ["Carol Martin", "Carol Martin, Dave Bernard"]
    }
    page = client.get(url).content.decode()
    assert "Historique de la fiche" in page
    assert "Lyon → Bron" in page
