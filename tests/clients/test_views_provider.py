import datetime as dt
import html
import re
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from clients.models import Client

from ..factories import ClientFactory
from .test_forms import client_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def text(response) -> str:
    """The page as a reader sees it: entities decoded, line breaks and indents as one space."""
    return re.sub(r"[ \t\n]+", " ", html.unescape(response.content.decode()))


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Access: owner, other provider, client, anonymous, wrong method ---------------------------

# (URL name, whether it takes Alice's code, a refused method)
PAGES = [
    ("provider:client_list", False, "post"),
    ("provider:client_create", False, "put"),
    ("provider:client_detail", True, "post"),
    ("provider:client_edit", True, "delete"),
]


def url_of(name: str, with_code: bool, client: Client) -> str:
    return reverse(name, args=[client.code]) if with_code else reverse(name)


@pytest.mark.parametrize(("name", "with_code", "wrong"), PAGES)
def test_the_owner_can_open_every_client_page(as_carol, alice, name, with_code, wrong):
    assert as_carol.get(url_of(name, with_code, alice)).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("provider:client_detail", "get"),
        ("provider:client_edit", "get"),
        ("provider:client_edit", "post"),
    ],
)
def test_another_provider_gets_404_on_carols_client(client, dave, alice, name, method):
    client.force_login(dave.user)
    response = getattr(client, method)(reverse(name, args=[alice.code]))
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(("name", "with_code", "wrong"), PAGES)
def test_a_client_user_gets_403_on_provider_client_pages(client, alice, name, with_code, wrong):
    client.force_login(alice.user)
    assert client.get(url_of(name, with_code, alice)).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("name", "with_code", "wrong"), PAGES)
def test_anonymous_users_are_sent_to_login(client, alice, name, with_code, wrong):
    url = url_of(name, with_code, alice)
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "with_code", "wrong"), PAGES)
def test_the_wrong_method_gets_405(as_carol, alice, name, with_code, wrong):
    response = getattr(as_carol, wrong)(url_of(name, with_code, alice))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- List and search -------------------------------------------------------------------------


def listed(response) -> list[Client]:
    return list(response.context["page"].object_list)


def test_the_list_shows_only_my_clients(as_carol, alice, bob):
    assert listed(as_carol.get(reverse("provider:client_list"))) == [alice]


def test_the_list_searches_by_name(as_carol, carol, alice):
    durand = ClientFactory(cooperative=carol.cooperative, providers=[carol], birth_name="Durand")
    url = reverse("provider:client_list")

    assert listed(as_carol.get(url, {"q": "lefeb"})) == [alice]
    assert listed(as_carol.get(url, {"q": "  DURAND "})) == [durand]
    assert listed(as_carol.get(url, {"q": "marie"})) == [durand, alice]  # by birth name
    response = as_carol.get(url, {"q": "Personne"})
    assert listed(response) == []
    assert "Aucun client ne correspond à « Personne »." in text(response)


def test_the_list_counts_my_invoices_per_client(as_carol, carol, dave, alice, make_draft):
    alice.providers.add(dave)
    make_draft(carol, alice)
    make_draft(dave, alice)
    (shown,) = listed(as_carol.get(reverse("provider:client_list")))
    assert shown.invoice_count == 1


@pytest.mark.parametrize("rows", [1, 12])
def test_the_list_query_count_does_not_grow_with_rows(
    as_carol, carol, make_draft, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        make_draft(carol, ClientFactory(cooperative=carol.cooperative, providers=[carol]))
    with django_assert_max_num_queries(5):
        response = as_carol.get(reverse("provider:client_list"))
    assert len(listed(response)) == rows


# --- Create ----------------------------------------------------------------------------------


def test_creating_a_client_links_it_to_me_in_the_cooperative(as_carol, carol, cooperative):
    response = as_carol.post(reverse("provider:client_create"), client_form_data())

    client = Client.objects.get()
    assert response["Location"] == reverse("provider:client_detail", args=[client.code])
    assert client.cooperative == cooperative
    assert list(client.providers.all()) == [carol]
    assert (client.birth_name, client.email) == ("Girard", "genevieve.lambert@example.org")
    assert flashed(response) == ["Madame Geneviève Lambert a été ajouté(e) à vos clients."]


def test_a_known_email_links_the_existing_client_and_says_so(as_carol, carol, dave, bob):
    data = client_form_data(
        email=bob.email.upper(), birth_name="MOREAU", birth_date=bob.birth_date.isoformat()
    )
    response = as_carol.post(reverse("provider:client_create"), data)

    assert response["Location"] == reverse("provider:client_detail", args=[bob.code])
    assert Client.objects.count() == 1
    assert set(bob.providers.all()) == {carol, dave}
    bob.refresh_from_db()
    assert bob.birth_name == "Moreau"
    (message,) = flashed(response)
    assert "était déjà client(e) de la coopérative" in message


def test_a_known_email_with_another_birth_name_is_refused_and_shows_nothing_of_it(
    as_carol, carol, dave, bob
):
    data = client_form_data(email=bob.email, birth_date=bob.birth_date.isoformat())
    response = as_carol.post(reverse("provider:client_create"), data)

    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "avec un autre nom de naissance ou une autre date de naissance" in page
    assert "Moreau" not in page
    assert list(bob.providers.all()) == [dave]
    assert Client.objects.count() == 1


def test_an_invalid_client_shows_french_errors_and_saves_nothing(as_carol):
    data = client_form_data(
        mobile_phone="04 72 00 00 00",
        birth_department="",
        street_number="",
        street_type="",
        street_name="",
    )
    response = as_carol.post(reverse("provider:client_create"), data)

    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "La fiche n'a pas été enregistrée" in page
    assert "Numéro de mobile attendu : 06 ou 07" in page
    assert "Obligatoire pour une naissance en France." in page
    assert "Adresse : indiquez une voie, un complément d'adresse ou un lieu-dit." in page
    assert page.count('name="csrfmiddlewaretoken"') == 2  # the form's and the logout button's
    assert not Client.objects.exists()


# --- Detail and edit -------------------------------------------------------------------------


def test_the_detail_shows_the_client_and_only_my_invoices_for_them(
    as_carol, carol, dave, alice, make_draft
):
    alice.providers.add(dave)
    mine = make_draft(carol, alice)
    make_draft(dave, alice)
    response = as_carol.get(reverse("provider:client_detail", args=[alice.code]))

    assert [invoice.pk for invoice in response.context["invoices"]] == [mine.pk]
    page = text(response)
    assert "Madame Alice Lefebvre" in page
    assert f"?client={alice.code}" in page


def test_editing_a_client_saves_the_normalised_values(as_carol, alice):
    data = client_form_data(email=alice.email, mobile_phone="07 11 22 33 44", city="Bron")
    response = as_carol.post(reverse("provider:client_edit", args=[alice.code]), data)

    assert response["Location"] == reverse("provider:client_detail", args=[alice.code])
    alice.refresh_from_db()
    assert (alice.mobile_phone, alice.city, alice.birth_name) == ("0711223344", "Bron", "Girard")


def test_editing_to_another_clients_email_is_refused(as_carol, alice, bob):
    before = alice.email
    data = client_form_data(email=bob.email)
    response = as_carol.post(reverse("provider:client_edit", args=[alice.code]), data)

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["email"] == [
        "Un autre client de la coopérative utilise déjà cette adresse e-mail."
    ]
    alice.refresh_from_db()
    assert alice.email == before


def test_another_provider_cannot_edit_carols_client(client, dave, alice):
    client.force_login(dave.user)
    client.post(reverse("provider:client_edit", args=[alice.code]), client_form_data())
    alice.refresh_from_db()
    assert alice.birth_name == "Lefebvre"
