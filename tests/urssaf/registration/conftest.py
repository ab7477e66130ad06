"""Fixtures for the avance immédiate registration tests."""

import pytest

from clients.models import Client
from urssaf.registration.particulier import build_particulier

# A French IBAN and BIC that schwifty and the sandbox's bank check accept.
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP882"


def make_ready(client: Client, **changes) -> Client:
    """Give a client what a registration needs (bank details, tax return) and save it."""
    values = {"iban": IBAN, "bic": BIC, "has_filed_tax_return": True, **changes}
    for field, value in values.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    return client


def dgfip_identity(client: Client) -> dict:
    """The tax office's record of this client, in URSSAF's identity shape."""
    payload = build_particulier(client).to_payload()
    keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
    return {key: payload[key] for key in keys}


@pytest.fixture
def ready_alice(alice) -> Client:
    """Alice (Carol's client) with bank details and a tax return: ready to register."""
    return make_ready(alice)


@pytest.fixture
def known_alice(ready_alice, sandbox) -> Client:
    """Ready Alice, whom the sandbox's tax office knows exactly as the portal does."""
    sandbox.add_taxpayer(dgfip_identity(ready_alice))
    return ready_alice


@pytest.fixture
def eager_retries(monkeypatch):
    """Let eager tasks retry in-process, as a worker would, instead of raising Retry.

    The test settings propagate task exceptions; a retry is one, so it would stop the test.
    """
    from config.celery_app import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
