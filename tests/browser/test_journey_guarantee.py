"""Journey: an acompte under the avance immédiate waits for the cooperative's financial
guarantee, then leaves on its own once the staff record it.

Carol issues an invoice with an acompte for Alice, whose avance immédiate is active: URSSAF
requires a financial guarantee from the first euro and none is recorded, so the payment
request is held in its own triage bucket. Sam reads why on the admin home, records the
guarantee with its attestation, and the request goes to URSSAF once.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from invoices import services as invoice_services
from invoices.models import PaymentMode
from invoices.services import DepositData, LineData
from urssaf.models import PaymentRequest, RequestState
from urssaf.payments import services as payment_services
from urssaf.payments.triage_table import PaymentBucket

from ..factories import nature
from .conftest import log_in
from .test_journey_payment import ai_alice  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("urssaf_settings"),
]

GUARANTEE_BUCKET = PaymentBucket.GUARANTEE.label


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the login rate limits live there


def issue_with_acompte(provider, client):
    today = timezone.localdate()
    draft = invoice_services.invoice_create_draft(
        provider=provider,
        client=client,
        period_start=today.replace(day=1),
        period_end=today,
        lines=[
            LineData(
                nature=nature("entretien-maison"),
                service_date=today,
                quantity=Decimal("2"),
                unit_price_ttc=Decimal("25"),
                vat_rate=Decimal("10"),
            )
        ],
        deposit=DepositData(Decimal("10.00"), today, PaymentMode.CHEQUE),
    )
    return payment_services.invoice_issue_and_submit(invoice=draft, by=provider.user)


def test_a_held_request_leaves_once_the_staff_record_the_guarantee(
    journey,
    live_server,
    sandbox,
    carol,
    ai_alice,  # noqa: F811 (the fixture imported above)
    sam,
    tmp_path,
):
    page = journey
    invoice = issue_with_acompte(carol, ai_alice)
    assert PaymentRequest.objects.get(invoice=invoice).state == RequestState.HELD
    attestation = tmp_path / "attestation-garantie.pdf"
    attestation.write_bytes(b"%PDF-1.4 attestation de garantie financiere")

    # The admin home says a request is held, why, and what to do.
    log_in(page, live_server, sam.email)
    status = page.locator("#guarantee-status")
    expect(status.locator("[data-held]")).to_have_text("1")
    panel = page.get_by_role("table", name="Demandes de paiement URSSAF à traiter")
    bucket_row = panel.get_by_role("row").filter(
        has=page.get_by_role("link", name=GUARANTEE_BUCKET)
    )
    expect(bucket_row.get_by_role("cell")).to_have_text("1")
    expect(bucket_row).to_contain_text("les demandes retenues partent alors d'elles-mêmes")

    # Sam records the guarantee, valid from today, with its attestation.
    page.goto(f"{live_server.url}/admin/urssaf/financialguarantee/add/")
    today = timezone.localdate()
    page.get_by_label("Organisme garant").fill("Banque coopérative")
    page.get_by_label("Montant garanti").fill("250000,00")
    page.get_by_label("Valable du").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Valable jusqu'au").fill(
        (today + dt.timedelta(days=364)).strftime("%d/%m/%Y")
    )
    page.get_by_label("Attestation de garantie").set_input_files(str(attestation))
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Banque coopérative").first).to_be_visible()

    # The request went to URSSAF once, and nothing is held any more.
    request = PaymentRequest.objects.get(invoice=invoice)
    assert request.state == RequestState.SUBMITTED
    assert len(sandbox.submissions(invoice.number)) == 1
    expect(page.locator("#guarantee-status [data-held]")).to_have_text("0")
