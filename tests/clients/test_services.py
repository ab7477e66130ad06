import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from audit.services import audit_trail
from clients import services
from clients.models import Client, ClientLinkRequest, LinkRequestState

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


def test_a_known_email_gives_the_provider_a_record_of_his_own_and_asks_the_client(
    alice, carol, dave, on_commit
):
    # Even with the right birth name and date (issue 11: found in 43 tries), nothing of Alice's
    # record reaches Dave: he gets a record of what he typed, and Alice is asked.
    data = client_fields(
        email=alice.email.upper(),
        birth_name="Lefebvre",
        birth_date=alice.birth_date,
        first_names="Alice",
        street_name="Autre rue",
    )
    with on_commit():
        client, created = services.client_create_for_provider(provider=dave, data=data)

    assert created is True
    assert client != alice
    assert (client.first_names, client.street_name) == ("Alice", "Autre rue")
    assert list(alice.providers.all()) == [carol]
    assert list(Client.objects.for_provider(dave)) == [client]
    request = ClientLinkRequest.objects.get()
    assert (request.client, request.provider, request.duplicate) == (alice, dave, client)
    assert request.state == LinkRequestState.PENDING
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert "Dave Bernard" in message.subject
    alice.refresh_from_db()
    assert alice.birth_name == "Lefebvre"  # the existing record is not overwritten


@pytest.mark.parametrize("birth_date", [dt.date(1990, 1, 1), dt.date(1975, 5, 17)])
def test_guessing_the_birth_date_of_a_known_email_opens_nothing(alice, carol, dave, birth_date):
    data = client_fields(email=alice.email, birth_name="Lefebvre", birth_date=birth_date)
    client, created = services.client_create_for_provider(provider=dave, data=data)

    assert created is True
    assert list(alice.providers.all()) == [carol]
    assert list(Client.objects.for_provider(dave)) == [client]


def test_a_second_try_with_the_same_email_returns_the_providers_own_record(alice, dave):
    first, _ = services.client_create_for_provider(
        provider=dave, data=client_fields(email=alice.email)
    )
    again, created = services.client_create_for_provider(
        provider=dave, data=client_fields(email=alice.email, birth_date=dt.date(1950, 2, 3))
    )

    assert (again, created) == (first, False)
    assert ClientLinkRequest.objects.count() == 1
    assert Client.objects.count() == 2


def test_a_providers_own_client_added_again_is_not_duplicated(alice, carol):
    data = client_fields(email=alice.email, birth_name="Lefebvre", birth_date=alice.birth_date)
    assert services.client_create_for_provider(provider=carol, data=data) == (alice, False)
    assert Client.objects.count() == 1
    assert not ClientLinkRequest.objects.exists()


def test_creating_a_client_is_audited(carol):
    client, _ = services.client_create_for_provider(provider=carol, data=client_fields())
    [entry] = audit_trail(client)
    assert (entry.action, entry.actor) == ("client.created", carol.user)


def test_invalid_data_raises_and_saves_nothing(carol):
    with pytest.raises(ValidationError) as caught:
        services.client_create_for_provider(
            provider=carol, data=client_fields(mobile_phone="0472000000")
        )
    assert "mobile_phone" in caught.value.message_dict
    assert not Client.objects.exists()


def test_update_changes_the_client(alice, carol):
    services.client_update(
        client=alice, data={"email": "alice.l@example.org", "city": "Bron"}, by=carol.user
    )
    alice.refresh_from_db()
    assert (alice.email, alice.city) == ("alice.l@example.org", "Bron")


def test_every_change_is_audited_with_its_values_before_and_after(alice, carol):
    services.client_update(
        client=alice,
        data={"city": "Bron", "mobile_phone": "0711223344", "postal_code": alice.postal_code},
        by=carol.user,
    )

    [entry] = audit_trail(alice)
    assert (entry.action, entry.actor) == ("client.record.changed", carol.user)
    assert entry.changes == {
        "city": ["Lyon", "Bron"],
        "mobile_phone": ["0612345678", "0711223344"],
    }


def test_bank_details_are_masked_in_the_audit_trail(alice, sam):
    services.client_update(client=alice, data={"iban": "FR7630006000011234567890189"}, by=sam)
    [entry] = audit_trail(alice)
    assert entry.changes["iban"] == ["", "FR76 •••• •••• 0189"]


def test_saving_the_same_values_records_nothing(alice, carol):
    services.client_update(client=alice, data={"city": alice.city}, by=carol.user)
    assert not audit_trail(alice).exists()


def test_an_email_change_is_announced_at_the_old_and_the_new_address(alice, carol, on_commit):
    old = alice.email
    with on_commit():
        services.client_update(client=alice, data={"email": "alice.l@example.org"}, by=carol.user)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([old, "alice.l@example.org"])
    body = " ".join(mail.outbox[0].body.split())  # French no-break spaces read as spaces
    assert "modifiée par Carol Martin, votre prestataire" in body
    assert f"Ancienne adresse : {old}" in body
    assert "Contactez la coopérative tout de suite" in body


def test_a_change_of_capitals_in_the_email_is_not_announced(alice, carol, on_commit):
    with on_commit():
        services.client_update(client=alice, data={"email": alice.email.upper()}, by=carol.user)
    assert mail.outbox == []


def test_update_to_another_clients_email_is_accepted_and_says_nothing_of_them(
    alice, cooperative, carol
):
    # Refusing it ("another client uses this address") told any provider who is a client.
    ClientFactory(cooperative=cooperative, email="taken@example.org")
    services.client_update(client=alice, data={"email": "taken@example.org"}, by=carol.user)
    alice.refresh_from_db()
    assert alice.email == "taken@example.org"


def test_update_accepts_the_clients_own_email(alice, carol):
    services.client_update(client=alice, data={"email": alice.email, "city": "Bron"}, by=carol.user)
    alice.refresh_from_db()
    assert alice.city == "Bron"
