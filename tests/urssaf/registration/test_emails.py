"""The four e-mails the client may receive about their registration."""

import pytest
from django.core import mail

from clients.models import AIStatus, Client
from urssaf.models import AIOrigin, AIRegistration
from urssaf.registration import emails as ai_emails

from .conftest import IBAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(ready_alice) -> AIRegistration:
    Client.objects.filter(pk=ready_alice.pk).update(
        ai_status=AIStatus.AWAITING_ACTIVATION,
        urssaf_id_client="id-1",
        ai_awaiting_since="2026-11-02T09:00:00+00:00",
    )
    return AIRegistration.objects.create(
        client=ready_alice,
        origin=AIOrigin.CLIENT,
        errors=[{"code": "ERR_COORDONNEES_BANCAIRES", "message": "", "description": ""}],
    )


@pytest.mark.parametrize(
    ("kind", "subject", "says"),
    [
        ("sent", "Avance immédiate : votre inscription est transmise à l'URSSAF", "7 jours"),
        (
            "reminder",
            "Rappel : activez votre compte URSSAF pour l'avance immédiate",
            "09/11/2026",
        ),
        ("failed", "Avance immédiate : votre inscription n'a pas abouti", "IBAN et votre BIC"),
        ("active", "L'avance immédiate est active", "48 heures"),
    ],
)
def test_each_email_comes_as_text_and_html_in_french(registration, kind, subject, says):
    ai_emails.send_ai_email(kind=kind, registration_id=registration.pk)

    [message] = mail.outbox
    assert message.subject == subject
    assert message.to == [registration.client.email]
    assert says in message.body
    html = message.alternatives[0][0]
    assert html.startswith("<!doctype html>")
    assert says in html
    assert IBAN not in message.body + html
    assert "/espace-client/avance-immediate/" in message.body


def test_a_client_without_an_account_is_invited_to_create_one(registration):
    Client.objects.filter(pk=registration.client_id).update(user=None)

    ai_emails.send_ai_email(kind="sent", registration_id=registration.pk)

    assert "/inscription/" in mail.outbox[0].body


def test_an_unknown_email_kind_is_refused(registration):
    with pytest.raises(ValueError, match="Unknown"):
        ai_emails.send_ai_email(kind="bonjour", registration_id=registration.pk)
