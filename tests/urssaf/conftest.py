import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from clients.models import AIStatus, Client, Cooperative
from invoices.models import Invoice
from urssaf import api as urssaf_api
from urssaf.guarantee.models import FinancialGuarantee
from urssaf.payloads import BankAccount, BirthPlace, Particulier, PostalAddress
from urssaf.payments import services as urssaf_services

# --- avance immédiate clients and their invoices, on a clock shared with the sandbox ----------
# time-machine moves the clock of the whole process, the sandbox's server threads included:
# the portal and the fake URSSAF see the same "now", so a test can let 48 hours pass.

AI_REGISTERED_AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
AI_ISSUED_AT = dt.datetime(2026, 3, 17, 9, 0, tzinfo=dt.UTC)
AI_PERIOD = (dt.date(2026, 3, 2), dt.date(2026, 3, 16))


@pytest.fixture
def clock():
    """The shared clock, started on the day the AI clients register (it ticks)."""
    with time_machine.travel(AI_REGISTERED_AT, tick=True) as traveller:
        yield traveller


@pytest.fixture
def activate_ai(sandbox, urssaf_settings, clock):
    """Return `activate(client)`: register the client at the sandbox, activate, store it."""

    def activate(client: Client) -> Client:
        particulier = particulier_of(client)
        sandbox.add_taxpayer(identity_of(particulier))
        id_client = urssaf_api.register_client(particulier)
        sandbox.activate(id_client)
        Client.objects.filter(pk=client.pk).update(
            urssaf_id_client=id_client,
            ai_status=AIStatus.ACTIVE,
            ai_activated_on=timezone.localdate(),
            # As read from statut.description, which carries the time (API.md §0.2).
            ai_activated_at=timezone.now(),
        )
        client.refresh_from_db()
        return client

    return activate


@pytest.fixture
def ai_alice(alice, activate_ai):
    """Alice, Carol's client, with the avance immédiate active since 2 March 2026."""
    return activate_ai(alice)


@pytest.fixture
def issue_ai_invoice(carol, make_draft, clock, django_capture_on_commit_callbacks):
    """Return `issue(client, lines=None, provider=carol)`: issue on 17 March, send at once."""

    def issue(client: Client, lines=None, provider=None, period=AI_PERIOD) -> Invoice:
        if timezone.now() < AI_ISSUED_AT:
            clock.move_to(AI_ISSUED_AT)
        provider = provider or carol
        draft = make_draft(provider, client, lines=lines, period=period)
        with django_capture_on_commit_callbacks(execute=True):
            invoice = urssaf_services.invoice_issue_and_submit(invoice=draft, by=provider.user)
        return invoice

    return issue


def particulier_of(client: Client) -> Particulier:
    """The registration URSSAF receives for a test client (a valid, fixed bank account)."""
    return Particulier(
        civility=client.civility,
        birth_name=client.birth_name,
        first_names=client.first_names,
        birth_date=client.birth_date,
        birth_place=BirthPlace.from_insee(
            client.birth_country_code, client.birth_commune_code, client.birth_commune_label
        ),
        mobile_phone=client.mobile_phone,
        email=client.email,
        address=PostalAddress(
            commune_code=client.city_insee_code,
            commune_label=client.city.upper(),
            postal_code=client.postal_code,
            street_number=client.street_number,
            street_type=client.street_type,
            street_name=client.street_name,
        ),
        bank=BankAccount(
            iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder=client.full_name
        ),
    )


def identity_of(particulier: Particulier) -> dict:
    """The fake DGFiP directory's entry for this person."""
    payload = particulier.to_payload()
    keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
    return {key: payload[key] for key in keys}


@pytest.fixture
def make_guarantee(cooperative, settings, tmp_path):
    """Return `make(valid_from, valid_to, **fields)`: a financial guarantee of the cooperative,
    stored with its attestation (needed for acomptes and past the yearly threshold)."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def make(valid_from: dt.date, valid_to: dt.date, **fields) -> FinancialGuarantee:
        guarantee = FinancialGuarantee(
            cooperative=Cooperative.current(),
            issuer=fields.pop("issuer", "Caisse de garantie"),
            amount=fields.pop("amount", Decimal("30000.00")),
            valid_from=valid_from,
            valid_to=valid_to,
            **fields,
        )
        guarantee.attestation.save("attestation.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
        guarantee.save()
        return guarantee

    return make
