"""Journey: a new client signs up with an invoice and the e-mailed link, registers for the avance
immédiate, activates.

Élodie Roux is one of the demo clients the sandbox's fake tax office knows (it is seeded from
clients/data/demo_clients.json): her record is created from that very entry, so URSSAF accepts
her registration. She has no portal account yet, only an invoice from Carol; the link to open
it is e-mailed to the address on her record.
"""

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from clients import services
from clients.models import AIStatus, Client
from invoices import services as invoice_services
from urssaf.models import AIRegistrationState

from ..mailbox import links_in_mail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("urssaf_settings"),
]

DEMO_CLIENTS = settings.BASE_DIR / "clients" / "data" / "demo_clients.json"
SIGNUP_PASSWORD = "un-secret-bien-long-2026"
IBAN = "FR7630006000011234567890189"
BAD_IBAN = "FR7630006000011234567890180"  # one digit off: the check digits no longer match
BIC = "AGRIFRPP882"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the signup and activation-check rate limits live there


@pytest.fixture
def elodie(carol) -> Client:
    """Carol's client, created by her as the demo entry the tax office knows; no account yet."""
    entries = json.loads(DEMO_CLIENTS.read_text(encoding="utf-8"))
    data = next(entry for entry in entries if entry["birth_name"] == "Roux")
    data = {**data, "birth_date": dt.date.fromisoformat(data["birth_date"])}
    client, created = services.client_create_for_provider(provider=carol, data=data)
    assert created
    return client


@pytest.fixture
def elodie_invoice(carol, elodie, make_draft):
    return invoice_services.invoice_issue(invoice=make_draft(carol, elodie), by=carol.user)


def badge(page, status: AIStatus):
    """The avance immédiate badge as a screen reader reads it."""
    return page.get_by_text(f"Avance immédiate : {status.label}", exact=True)


def sent(page, label: str):
    """The value of one row of the confirmation page's "what URSSAF will receive" table."""
    header = page.get_by_role("rowheader", name=label, exact=True)
    return page.get_by_role("row").filter(has=header).get_by_role("cell")


def test_a_new_client_signs_up_registers_and_activates_the_avance_immediate(
    journey, live_server, sandbox, elodie, elodie_invoice, settings
):
    page = journey
    settings.PORTAL_BASE_URL = live_server.url  # the e-mail's links, as scripts/demo sets them

    # Self-registration: the invoice's number and date identify her record.
    page.goto(f"{live_server.url}/inscription/")
    page.get_by_label("Numéro d'une de vos factures ou d'un de vos devis").fill(
        elodie_invoice.number
    )
    page.get_by_label("Date de ce document").fill(elodie_invoice.issue_date.isoformat())
    page.get_by_role("button", name="Recevoir le lien par e-mail").click()
    expect(page.get_by_role("heading", name="Regardez votre boîte e-mail")).to_be_visible()
    expect(page.get_by_text("courriers indésirables")).to_be_visible()

    # The link went to the address on her record; she follows it and chooses a password.
    [message] = mail.outbox
    assert message.to == [elodie.email]
    [link] = links_in_mail(elodie.email, "/inscription/lien/")
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Créer votre espace client")).to_be_visible()
    expect(page.get_by_text(elodie.email)).to_be_visible()
    page.get_by_label("Choisissez votre mot de passe").fill(SIGNUP_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Créer mon espace").click()

    # The portal asks the avance immédiate question.
    expect(page.get_by_text("Votre espace client est créé.")).to_be_visible()
    expect(badge(page, AIStatus.NOT_REGISTERED)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Souhaitez-vous bénéficier de l'avance immédiate ?")
    ).to_be_visible()
    page.get_by_role("link", name="Oui, je m'inscris").click()

    # Step 1: the form comes filled from the record; she adds what only she knows, with a typo.
    expect(page.get_by_role("heading", name="Inscription à l'avance immédiate")).to_be_visible()
    expect(page.get_by_label("Nom de naissance")).to_have_value("Roux")
    page.get_by_label("Confirmez l'adresse e-mail").fill(elodie.email)
    page.get_by_label("IBAN").fill(BAD_IBAN)
    page.get_by_label("BIC").fill(BIC)
    tax_return = page.get_by_role("group", name=re.compile(r"^Avez-vous déjà déposé"))
    tax_return.get_by_label("Oui").check()
    elsewhere = page.get_by_role("group", name=re.compile(r"^Avez-vous déjà un compte"))
    elsewhere.get_by_label("Non").check()
    page.get_by_role("button", name="Relire avant l'envoi").click()

    expect(
        page.get_by_role("alert").filter(has_text="Rien n'a été envoyé : corrigez les points")
    ).to_be_visible()
    expect(page.get_by_text("IBAN invalide : vérifiez le numéro de compte.")).to_be_visible()
    expect(page.get_by_label("IBAN")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("IBAN")).to_have_accessible_description(re.compile("IBAN invalide"))
    # Only the IBAN is wrong: what she typed elsewhere is still there.
    expect(page.get_by_label("Confirmez l'adresse e-mail")).to_have_value(elodie.email)
    expect(tax_return.get_by_label("Oui")).to_be_checked()
    page.get_by_label("IBAN").fill(IBAN)
    page.get_by_role("button", name="Relire avant l'envoi").click()

    # Step 2: exactly what URSSAF will receive, the IBAN masked.
    expect(page.get_by_role("heading", name="Vérifier avant l'envoi à l'URSSAF")).to_be_visible()
    expect(sent(page, "Nom de naissance")).to_have_text("ROUX")
    expect(sent(page, "Prénoms")).to_have_text("ELODIE")
    expect(sent(page, "Date de naissance")).to_have_text("08/11/1990")
    expect(sent(page, "E-mail")).to_have_text(elodie.email)
    expect(sent(page, "IBAN")).to_have_text("FR76 •••• •••• 0189")
    expect(sent(page, "BIC")).to_have_text(BIC)
    expect(page.get_by_text(IBAN)).to_have_count(0)
    page.get_by_role("button", name="Envoyer l'inscription à l'URSSAF").click()

    # URSSAF (the sandbox) accepted it: she must now activate her account.
    expect(page.get_by_text("Inscription enregistrée : elle part à l'URSSAF")).to_be_visible()
    expect(badge(page, AIStatus.AWAITING_ACTIVATION)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Acceptée par l'URSSAF : activez votre compte")
    ).to_be_visible()

    # Too eager, she asks for the check before activating: not yet, and nothing blocks the next.
    page.get_by_role("button", name="J'ai activé mon compte : vérifier").click()
    expect(page.get_by_text("L'URSSAF n'a pas encore enregistré l'activation.")).to_be_visible()
    expect(badge(page, AIStatus.AWAITING_ACTIVATION)).to_be_visible()

    # In her URSSAF space (the sandbox page), she activates the account.
    page.goto(f"{sandbox.url}/")
    person = page.get_by_role("row").filter(has_text=elodie.email)
    expect(person).to_contain_text("En cours")
    person.get_by_role("button", name="Activer le compte").click()
    expect(page.get_by_text("Compte de ELODIE ROUX activé.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=elodie.email)).to_contain_text("Confirmé")

    # Back on the portal, which has not heard of it yet; she asks for the check.
    page.goto(f"{live_server.url}/espace-client/avance-immediate/")
    expect(badge(page, AIStatus.AWAITING_ACTIVATION)).to_be_visible()
    page.get_by_role("button", name="J'ai activé mon compte : vérifier").click()

    expect(page.get_by_text("l'avance immédiate est active.")).to_be_visible()
    expect(badge(page, AIStatus.ACTIVE)).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"^L'avance immédiate est active depuis le"))
    ).to_be_visible()

    elodie.refresh_from_db()
    assert elodie.user.email == elodie.email
    assert elodie.ai_status == AIStatus.ACTIVE
    registration = elodie.ai_registrations.get()
    assert registration.state == AIRegistrationState.SENT
    assert registration.id_client == elodie.urssaf_id_client
    [link] = [p for p in sandbox.particuliers() if p["idClient"] == elodie.urssaf_id_client]
    assert link["statut"]["code"] == "APPAREILLAGE_VALIDE"
