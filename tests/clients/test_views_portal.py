from http import HTTPStatus

import pytest
from django.urls import reverse

from ..factories import ProviderFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = "portal:profile"
OLD_PASSWORD = "motdepasse-solide-42"  # tests/factories.py's UserFactory password
NEW_PASSWORD = "un-nouveau-secret-2026"


def test_profile_shows_the_clients_identity_contact_and_address(client, alice):
    client.force_login(alice.user)

    response = client.get(reverse(PROFILE_URL))

    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "Madame" in body
    assert "Lefebvre" in body
    assert "Alice Marie" in body
    assert "17/05/1975" in body
    assert alice.email in body
    assert "0612345678" in body
    assert "8 rue du Soleil" in body
    assert "69001 Lyon" in body
    assert reverse("portal:password_change") in body


def test_profile_names_a_foreign_birth_country(client, bob):
    bob.birth_country_code = "99139"
    bob.birth_department = bob.birth_commune_code = bob.birth_commune_label = ""
    bob.save()
    client.force_login(bob.user)

    body = client.get(reverse(PROFILE_URL)).content.decode()

    assert "PORTUGAL (code pays 99139)" in body


def test_profile_lists_the_clients_active_providers_only(client, alice, carol, dave, cooperative):
    former = ProviderFactory(cooperative=cooperative, last_name="Ancienne", is_active=False)
    alice.providers.add(former)
    client.force_login(alice.user)

    response = client.get(reverse(PROFILE_URL))

    assert list(response.context["providers"]) == [carol]
    body = response.content.decode()
    assert carol.worker_reference in body
    assert dave.display_name not in body
    assert "Ancienne" not in body


def test_profile_shows_only_the_logged_in_clients_own_data(client, alice, bob):
    client.force_login(bob.user)

    response = client.get(reverse(PROFILE_URL))

    assert response.context["client"] == bob
    body = response.content.decode()
    assert "Moreau" in body
    assert "Lefebvre" not in body
    assert alice.email not in body


def test_profile_is_forbidden_to_a_provider(client, carol):
    client.force_login(carol.user)
    assert client.get(reverse(PROFILE_URL)).status_code == HTTPStatus.FORBIDDEN


def test_profile_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse(PROFILE_URL))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_profile_refuses_post(client, alice):
    client.force_login(alice.user)
    assert client.post(reverse(PROFILE_URL)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- Password change -------------------------------------------------------------------------


def test_password_change_form_is_in_french(client, alice):
    client.force_login(alice.user)

    response = client.get(reverse("portal:password_change"))

    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "Changer de mot de passe" in body
    assert "Ancien mot de passe" in body


def test_password_change_sets_the_new_password_and_keeps_the_client_logged_in(client, alice):
    client.force_login(alice.user)

    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": OLD_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("portal:password_change_done")
    alice.user.refresh_from_db()
    assert alice.user.check_password(NEW_PASSWORD)
    done = client.get(response.url)
    assert done.status_code == HTTPStatus.OK
    assert "Mot de passe modifié" in done.content.decode()


def test_password_change_refuses_a_wrong_current_password_in_french(client, alice):
    client.force_login(alice.user)

    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": "pas-le-bon",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "Votre ancien mot de passe est incorrect" in response.content.decode()
    alice.user.refresh_from_db()
    assert alice.user.check_password(OLD_PASSWORD)


def test_password_change_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("portal:password_change"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_password_change_refuses_put(client, alice):
    client.force_login(alice.user)
    response = client.put(reverse("portal:password_change"))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_password_change_done_refuses_post(client, alice):
    client.force_login(alice.user)
    response = client.post(reverse("portal:password_change_done"))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
