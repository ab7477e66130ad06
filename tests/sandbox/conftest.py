"""Raw calls to the sandbox's URSSAF endpoints, with Alice registered as a ready client."""

import pytest

from .samples import ALICE, INVOICED_AT, REGISTERED_AT


@pytest.fixture
def token(sandbox):
    return sandbox.token()


@pytest.fixture
def alice_id(sandbox, token):
    """Alice registered on 2 March 2026, her account activated at once; now is 17 March."""
    sandbox.set_now(REGISTERED_AT)
    response = sandbox.api("POST", "particulier", json=ALICE, token=token)
    assert response.status_code == 200, response.text
    id_client = response.json()["idClient"]
    sandbox.activate(id_client)
    sandbox.set_now(INVOICED_AT)
    return id_client


@pytest.fixture
def submit(sandbox, token):
    """Return `submit(*demandes) -> response` posting to /demandePaiement."""

    def submit(*demandes):
        return sandbox.api("POST", "demandePaiement", json=list(demandes), token=token)

    return submit


@pytest.fixture
def search(sandbox, token):
    """Return `search(**criteria) -> response` posting to /demandePaiement/rechercher."""

    def search(**criteria):
        return sandbox.api("POST", "demandePaiement/rechercher", json=criteria, token=token)

    return search
