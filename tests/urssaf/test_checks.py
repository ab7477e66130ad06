"""The start-up check names every missing URSSAF setting."""

from django.core.checks import run_checks

from urssaf.checks import check_urssaf_settings


def configure(settings, **values):
    settings.URSSAF_BASE_URL = "https://api.urssaf.fr/atp/v1/tiersPrestations"
    settings.URSSAF_TOKEN_URL = "https://api.urssaf.fr/api/oauth/v1/token"
    settings.URSSAF_CLIENT_ID = "id"
    settings.URSSAF_CLIENT_SECRET = "secret"
    settings.URSSAF_CONNECT_TIMEOUT = 5.0
    settings.URSSAF_READ_TIMEOUT = 30.0
    for name, value in values.items():
        setattr(settings, name, value)


def test_complete_settings_pass(settings):
    configure(settings)

    assert check_urssaf_settings() == []


def test_one_error_lists_every_missing_setting(settings):
    configure(settings, URSSAF_BASE_URL="", URSSAF_CLIENT_SECRET="")
    del settings.URSSAF_TOKEN_URL

    [error] = check_urssaf_settings()

    assert error.id == "urssaf.E001"
    assert "URSSAF_BASE_URL" in error.msg
    assert "URSSAF_TOKEN_URL" in error.msg
    assert "URSSAF_CLIENT_SECRET" in error.msg
    assert "URSSAF_CLIENT_ID" not in error.msg


def test_a_timeout_must_be_a_positive_number(settings):
    configure(settings, URSSAF_READ_TIMEOUT=0)

    assert [error.id for error in check_urssaf_settings()] == ["urssaf.E002"]


def test_the_check_is_registered_with_django(settings):
    configure(settings, URSSAF_CLIENT_ID="")

    assert "urssaf.E001" in [message.id for message in run_checks(tags=["urssaf"])]
