import datetime as dt
import html
import re
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEntry
from clients.models import Client
from clients.services.accounts import ALREADY_OPEN, INVITATIONS_THROTTLED
from clients.views.provider import CREATED

from ..factories import ClientFactory
from .test_forms import client_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the invitation limits live there


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def text(response) -> str:
    """The page as a reader sees it: entities decoded, any run of white space (line breaks,
    indents, French no-break spaces) as one space."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


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
    with django_assert_max_num_queries(6):  # the header reads the cooperative's name
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
    assert flashed(response) == [CREATED.format(name="Madame Geneviève Lambert")]


def outcome(response) -> tuple:
    """What the provider sees after creating a client, names and codes aside."""
    client = Client.objects.get(code=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = text(response.client.get(response["Location"]))
    page = page.replace(str(client.code), "<code>").replace(client.email, "<email>")
    return flashed(response), re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page)


def test_a_known_and_an_unknown_email_get_the_same_answer(as_carol, carol, bob, on_commit):
    known_data = client_form_data(
        email=bob.email.upper(), birth_name="MOREAU", birth_date=bob.birth_date.isoformat()
    )
    with on_commit():
        known = outcome(as_carol.post(reverse("provider:client_create"), known_data))
    unknown = outcome(
        as_carol.post(
            reverse("provider:client_create"), {**known_data, "email": "personne@example.org"}
        )
    )

    assert known == unknown
    assert carol not in bob.providers.all()
    page = known[1]
    for secret in (bob.first_names, bob.mobile_phone, bob.street_name, "Dave"):
        assert secret not in page
    # Bob is asked, at his own address; Carol is told nothing of it.
    assert [message.to for message in mail.outbox] == [[bob.email]]


def test_trying_birth_dates_on_a_known_email_links_nothing(as_carol, carol, bob):
    # Issue 11: the birth date was found in 43 tries. Now no try links, and all read the same.
    answers = set()
    for day in range(1, 44):
        data = client_form_data(
            email=bob.email, birth_name="Moreau", birth_date=f"1975-05-{day % 28 + 1:02d}"
        )
        response = as_carol.post(reverse("provider:client_create"), data)
        assert response.status_code == HTTPStatus.FOUND
        answers.add(response["Location"])
    assert len(answers) == 1  # her own new record, each time
    assert carol not in bob.providers.all()
    assert Client.objects.for_provider(carol).filter(email=bob.email).count() == 1


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


def test_editing_to_another_clients_email_says_nothing_of_them(as_carol, alice, bob):
    data = client_form_data(email=bob.email)
    response = as_carol.post(reverse("provider:client_edit", args=[alice.code]), data)

    assert response["Location"] == reverse("provider:client_detail", args=[alice.code])
    alice.refresh_from_db()
    assert alice.email == bob.email


def test_editing_is_recorded_and_shown_to_the_clients_other_providers(
    as_carol, client, alice, dave
):
    alice.providers.add(dave)
    data = client_form_data(email=alice.email, mobile_phone="07 11 22 33 44")
    as_carol.post(reverse("provider:client_edit", args=[alice.code]), data)

    client.force_login(dave.user)
    page = text(client.get(reverse("provider:client_detail", args=[alice.code])))
    page = page.replace("\xa0", " ")  # French no-break spaces read as spaces

    assert "Historique de la fiche" in page
    assert "Fiche modifiée</strong> — 23 novembre 2026 à 11 h 00, par Carol Martin" in page
    assert "Téléphone mobile : 0612345678 → 0711223344" in page
    assert "Nom de naissance : Lefebvre → Girard" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "CAROL@example.org"),  # her own log-in address, in capitals
        ("email", "dave@example.org"),  # another provider's
        ("email", "sam@example.org"),  # the staff's
        ("email", "contact@cooperative-sap.fr"),  # the cooperative's
        ("mobile_phone", "+33 6 99 88 77 66"),  # her own phone, written otherwise
    ],
)
def test_a_providers_or_the_cooperatives_contact_is_refused_on_a_client(
    as_carol, carol, dave, sam, alice, field, value
):
    carol.phone = "06 99 88 77 66"
    carol.save()
    for url in (
        reverse("provider:client_create"),
        reverse("provider:client_edit", args=[alice.code]),
    ):
        response = as_carol.post(url, client_form_data(**{field: value}))

        assert response.status_code == HTTPStatus.OK
        [error] = response.context["form"].errors[field]
        assert "celle d'un prestataire" in error or "celui d'un prestataire" in error
    alice.refresh_from_db()
    assert alice.birth_name == "Lefebvre"  # nothing saved
    assert Client.objects.count() == 1


# --- Invitation to open the portal account ---------------------------------------------------


def test_an_invitation_goes_to_the_recorded_email_and_is_audited(as_carol, carol, cooperative):
    elodie = ClientFactory(cooperative=cooperative, providers=[carol], email="elodie@example.org")
    detail = text(as_carol.get(reverse("provider:client_detail", args=[elodie.code])))
    assert "n'a pas encore d'espace sur le portail" in detail

    response = as_carol.post(reverse("provider:client_invite", args=[elodie.code]))

    assert response["Location"] == reverse("provider:client_detail", args=[elodie.code])
    [message] = mail.outbox
    assert message.to == ["elodie@example.org"]
    assert "Carol Martin, votre prestataire, vous invite" in message.body
    assert flashed(response)[0].startswith("Invitation envoyée à elodie@example.org : le lien")
    entry = AuditEntry.objects.get(action="client.account.invited")
    assert entry.actor == carol.user
    page = text(as_carol.get(reverse("provider:client_detail", args=[elodie.code])))
    assert "Dernière invitation envoyée le 23 novembre 2026 à 11 h 00" in page


def test_invitations_are_throttled_per_client(as_carol, carol, cooperative):
    elodie = ClientFactory(cooperative=cooperative, providers=[carol])
    url = reverse("provider:client_invite", args=[elodie.code])
    for _ in range(3):
        as_carol.post(url)

    response = as_carol.post(url)

    assert flashed(response)[-1] == INVITATIONS_THROTTLED
    assert len(mail.outbox) == 3


def test_a_client_with_an_account_gets_no_invitation(as_carol, alice):
    response = as_carol.post(reverse("provider:client_invite", args=[alice.code]))
    assert flashed(response) == [ALREADY_OPEN]
    assert mail.outbox == []


def test_the_invitation_is_a_post_for_the_clients_providers_only(client, as_carol, dave, alice):
    url = reverse("provider:client_invite", args=[alice.code])
    assert as_carol.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    client.force_login(dave.user)
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND


def test_another_provider_cannot_edit_carols_client(client, dave, alice):
    client.force_login(dave.user)
    client.post(reverse("provider:client_edit", args=[alice.code]), client_form_data())
    alice.refresh_from_db()
    assert alice.birth_name == "Lefebvre"
