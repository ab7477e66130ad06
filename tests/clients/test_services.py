import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clients import services
from clients.models import Client

from ..factories import ClientFactory

pytestmark = pytest.mark.django_db


def client_fields(**overrides) -> dict:
    """A client's fields as ClientForm cleans them."""
    fields = {
        "civility": "1",
        "birth_name": "Santos",
        "usage_name": "",
        "first_names": "Joao Miguel",
        "birth_date": dt.date(1976, 12, 2),
        "birth_country_code": "99139",
        "birth_department": "",
        "birth_commune_code": "",
        "birth_commune_label": "",
        "email": "joao.santos@example.org",
        "mobile_phone": "0610203040",
        "street_number": "16",
        "street_letter": "",
        "street_type": "R",
        "street_name": "Paul Bert",
        "address_complement": "",
        "lieu_dit": "",
        "postal_code": "69003",
        "city": "Lyon",
        "city_insee_code": "69383",
        "apa_beneficiary": False,
        "pch_beneficiary": False,
    }
    fields.update(overrides)
    return fields


def test_a_new_client_joins_the_cooperative_and_the_providers_clients(carol, cooperative):
    client, created = services.client_create_for_provider(provider=carol, data=client_fields())

    assert created is True
    assert client.cooperative == cooperative
    assert list(client.providers.all()) == [carol]
    assert Client.objects.for_provider(carol).filter(pk=client.pk).exists()


def test_a_known_email_links_the_existing_client_instead_of_duplicating_it(alice, carol, dave):
    data = client_fields(
        email=alice.email.upper(),
        birth_name=" lefèbvre ",  # case, accents and spacing aside, the same birth name
        birth_date=alice.birth_date,
        first_names="Alice",
        street_name="Autre rue",
    )
    client, created = services.client_create_for_provider(provider=dave, data=data)

    assert (client, created) == (alice, False)
    assert Client.objects.count() == 1
    assert set(alice.providers.all()) == {carol, dave}
    alice.refresh_from_db()
    assert alice.birth_name == "Lefebvre"  # the existing record is not overwritten
    assert alice.street_name != "Autre rue"


@pytest.mark.parametrize(
    "identity",
    [
        {"birth_name": "Autre"},
        {"birth_date": dt.date(1990, 1, 1)},
    ],
)
def test_a_known_email_with_another_identity_opens_nothing(alice, carol, dave, identity):
    data = client_fields(
        email=alice.email, **{"birth_name": "Lefebvre", "birth_date": alice.birth_date, **identity}
    )
    with pytest.raises(ValidationError) as caught:
        services.client_create_for_provider(provider=dave, data=data)

    assert caught.value.message_dict["email"] == [services.EMAIL_TAKEN_OTHER_PERSON]
    assert list(alice.providers.all()) == [carol]
    assert Client.objects.count() == 1


def test_linking_a_client_twice_keeps_a_single_link(alice, carol):
    data = client_fields(email=alice.email, birth_name="Lefebvre", birth_date=alice.birth_date)
    services.client_create_for_provider(provider=carol, data=data)
    assert list(alice.providers.all()) == [carol]


def test_invalid_data_raises_and_saves_nothing(carol):
    with pytest.raises(ValidationError) as caught:
        services.client_create_for_provider(
            provider=carol, data=client_fields(mobile_phone="0472000000")
        )
    assert "mobile_phone" in caught.value.message_dict
    assert not Client.objects.exists()


def test_update_changes_the_client(alice):
    services.client_update(client=alice, data={"email": "alice.l@example.org", "city": "Bron"})
    alice.refresh_from_db()
    assert (alice.email, alice.city) == ("alice.l@example.org", "Bron")


def test_update_refuses_an_email_another_client_uses(alice, cooperative):
    ClientFactory(cooperative=cooperative, email="taken@example.org")
    before = alice.email
    with pytest.raises(ValidationError) as caught:
        services.client_update(client=alice, data={"email": "Taken@example.org"})
    assert caught.value.message_dict == {"email": [services.EMAIL_TAKEN]}
    alice.refresh_from_db()
    assert alice.email == before


def test_update_accepts_the_clients_own_email(alice):
    services.client_update(client=alice, data={"email": alice.email, "city": "Bron"})
    alice.refresh_from_db()
    assert alice.city == "Bron"
