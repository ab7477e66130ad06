"""Journey, on a phone: Carol's draft for Alice mixes services from before and after Alice's
avance immédiate started. The page says so and splits them; the earlier ones are issued outside
the avance immédiate with the reason already written, the rest go to URSSAF."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from clients.models import AIStatus, Client
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus
from invoices.services import LineData
from urssaf.models import PaymentRequest

from ..factories import nature
from .conftest import log_in
from .test_journey_payment import ai_alice  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("urssaf_settings"),
]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the login rate limits live there


def line(day: dt.date) -> LineData:
    return LineData(
        nature=nature("entretien-maison"),
        service_date=day,
        quantity=Decimal("2"),
        unit_price_ttc=Decimal("25"),
        vat_rate=Decimal("10"),
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_services_before_the_activation_are_split_off_and_billed_outside_ai(
    journey,
    live_server,
    sandbox,
    carol,
    ai_alice,  # noqa: F811 (the fixture imported above)
):
    page = journey
    page.set_viewport_size({"width": 360, "height": 800})
    activated = ai_alice.ai_activated_on
    # Carol drafted the month while Alice was awaiting activation (once she is active, the
    # form refuses services before the activation).
    Client.objects.filter(pk=ai_alice.pk).update(ai_status=AIStatus.AWAITING_ACTIVATION)
    draft = invoice_services.invoice_create_draft(
        provider=carol,
        client=Client.objects.get(pk=ai_alice.pk),
        period_start=activated - dt.timedelta(days=2),
        period_end=activated,
        lines=[line(activated - dt.timedelta(days=1)), line(activated)],
    )
    Client.objects.filter(pk=ai_alice.pk).update(ai_status=AIStatus.ACTIVE)

    log_in(page, live_server, carol.user.email)
    page.goto(f"{live_server.url}/prestataire/factures/{draft.code}/")
    alert = page.locator("#before-activation")
    expect(alert).to_contain_text("1 prestation de ce brouillon est antérieure")
    assert no_sideways_scroll(page)
    alert.get_by_role("button", name="Séparer les prestations antérieures").click()

    # The new draft holds the earlier service, to be paid directly, the reason written.
    expect(page.locator("#outside-ai")).to_contain_text(
        "Prestations antérieures à l'activation de l'avance immédiate"
    )
    assert no_sideways_scroll(page)
    page.locator("summary", has_text="Émettre la facture").click()
    page.get_by_role("button", name="Émettre la facture", exact=True).click()
    earlier = Invoice.objects.exclude(pk=draft.pk).get()
    expect(page.get_by_text(f"Facture n° {earlier.number} émise.")).to_be_visible()
    assert earlier.status == InvoiceStatus.ISSUED
    assert not PaymentRequest.objects.filter(invoice=earlier).exists()

    # The draft left behind goes to URSSAF as usual.
    page.goto(f"{live_server.url}/prestataire/factures/{draft.code}/")
    expect(page.locator("#before-activation")).to_have_count(0)
    page.locator("summary", has_text="Émettre la facture").click()
    page.get_by_role("button", name="Émettre et envoyer à l'URSSAF").click()
    draft.refresh_from_db()
    expect(page.get_by_text(f"Facture n° {draft.number} émise.")).to_be_visible()
    assert PaymentRequest.objects.get(invoice=draft).urssaf_id
    assert len(sandbox.submissions(draft.number)) == 1
