import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_SECRET_KEY": "k7#Qx!v2Lp9@Zr4$Wm8^Tn1&Hy6*Jc3(Bd5)Fg0-Sa9+Ue2=Io7_Pq4",
    "DJANGO_ALLOWED_HOSTS": "portail.cooperative-sap.fr",
    "DATABASE_URL": "postgres://sap@127.0.0.1:5432/sap",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "URSSAF_BASE_URL": "https://api.urssaf.fr/atp/v1/tiersPrestations",
    "URSSAF_TOKEN_URL": "https://api.urssaf.fr/api/oauth/v1/token",
    "URSSAF_CLIENT_ID": "cooperative",
    "URSSAF_CLIENT_SECRET": "from-the-environment",
    "SAP_FIELD_ENCRYPTION_KEYS": "2-qBmIXO5dB5daniLDwyKFJz61iIkGNjuXE2LBUUik8=",
    "SAP_FIELD_HASH_KEYS": "a-long-random-hash-key-from-the-environment",
}


def manage_in_production(
    *args: str, without: tuple[str, ...] = (), extra: dict[str, str] | None = None
):
    """Run manage.py with production settings (PRODUCTION_ENV less `without`, plus `extra`) in a
    new process."""
    names = ("DJANGO_", "URSSAF_", "SAP_FIELD_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(names)}
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k not in without})
    env.update(extra or {})
    return subprocess.run(  # noqa: S603 (our own manage.py, with the arguments the tests give)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_with_production_settings_reports_nothing():
    result = manage_in_production("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage_in_production("check", without=("DJANGO_SECRET_KEY",))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_the_encryption_keys():
    result = manage_in_production(
        "check", without=("SAP_FIELD_ENCRYPTION_KEYS", "SAP_FIELD_HASH_KEYS")
    )
    assert result.returncode != 0
    assert "SAP_FIELD_ENCRYPTION_KEYS, SAP_FIELD_HASH_KEYS must be set" in result.stderr


def test_production_sessions_end_after_30_idle_minutes_and_15_for_staff():
    result = manage_in_production(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_IDLE_TIMEOUT, s.SESSION_IDLE_TIMEOUT_STAFF, s.SESSION_COOKIE_AGE)",
    )
    assert result.stdout.split() == ["1800", "900", "1800"], result.stderr


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["default-src"]


def test_repeated_login_failures_lock_the_account_for_that_address(client, alice):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": alice.user.email, "password": "wrong"})
        assert response.status_code == HTTPStatus.OK  # the form with its error
        assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    last_try = client.post(url, {"username": alice.user.email, "password": "wrong"})
    assert last_try.status_code == HTTPStatus.TOO_MANY_REQUESTS
    locked = client.post(url, {"username": alice.user.email, "password": "motdepasse-solide-42"})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Connexion temporairement bloquée" in locked.content.decode()
    assert "mailto:contact@cooperative-sap.fr" in locked.content.decode()  # whom to ask
    assert "_auth_user_id" not in client.session


def test_a_good_password_logs_in_and_resets_the_failure_count(client, alice):
    url = reverse("login")
    client.post(url, {"username": alice.user.email, "password": "wrong"})
    response = client.post(url, {"username": alice.user.email, "password": "motdepasse-solide-42"})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(alice.user.pk)


GOOD_PASSWORD = "motdepasse-solide-42"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_failures_from_rotating_forwarded_addresses_still_lock_the_account(client, alice):
    url = reverse("login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url, {"username": alice.user.email, "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n}"
        )

    forged = client.post(
        url,
        {"username": alice.user.email, "password": GOOD_PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert forged.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_failures_on_many_accounts_from_one_address_lock_that_address(client, alice):
    url = reverse("login")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": f"guess{n}@example.org", "password": "wrong"})

    same_address = client.post(url, {"username": alice.user.email, "password": GOOD_PASSWORD})
    elsewhere = Client(REMOTE_ADDR="192.0.2.9").post(
        url, {"username": alice.user.email, "password": GOOD_PASSWORD}
    )

    assert same_address.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert elsewhere.status_code == HTTPStatus.FOUND


def test_the_lockout_page_says_when_and_how_to_get_back_in(client, alice):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": alice.user.email, "password": "wrong"})

    page = " ".join(response.content.decode().split())
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"attendez {minutes} minutes" in page
    assert "Mot de passe oublié" in page
