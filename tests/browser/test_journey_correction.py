"""Journey: Alice contested an invoice on her URSSAF space; Carol corrects it.

On the invoice's page Carol finds "Corriger la facture"; the next page says what will happen
(a credit note, a new draft, a new request once issued) and is the confirmation itself — no
script. Confirming issues the credit note and lands on the new draft, which names the invoice
it replaces and links to the credit note. On a phone the confirmation page does not scroll
sideways.
"""

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from invoices.models import CreditNote, Invoice
from urssaf.models import PaymentRequest, RequestState

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the login rate limits live there


def test_carol_corrects_a_contested_invoice_with_a_credit_note(
    journey, live_server, carol, alice_invoice
):
    PaymentRequest.objects.create(
        invoice=alice_invoice,
        invoice_number=alice_invoice.number,
        state=RequestState.SUBMITTED,
        urssaf_id="DP-CONTESTED",
        submitted_at=timezone.now(),
        status_code="40",
        rejection_code="CONTEST_ERR_FACT",
    )
    page = journey
    log_in(page, live_server, carol.user.email)

    page.goto(f"{live_server.url}/prestataire/factures/{alice_invoice.code}/")
    page.get_by_role("link", name="Corriger la facture").click()
    expect(
        page.get_by_role("heading", name=f"Corriger la facture n° {alice_invoice.number}")
    ).to_be_visible()
    expect(page.get_by_text("Demande de paiement contestée par le client")).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Précision sur le motif (facultatif)").fill("2 h et non 3")
    page.get_by_role("button", name="Émettre l'avoir et préparer la facture corrigée").click()

    draft = Invoice.objects.get(replaces=alice_invoice)
    note = CreditNote.objects.get(invoice=alice_invoice)
    expect(page).to_have_url(f"{live_server.url}/prestataire/factures/{draft.code}/")
    expect(page.locator("#replaces")).to_contain_text(f"la facture n° {alice_invoice.number}")
    expect(page.locator("#replaces")).to_contain_text(f"annulée par l'avoir n° {note.number}")
    page.get_by_role("link", name=alice_invoice.number, exact=True).click()
    expect(page.locator("#credit-note")).to_contain_text(note.number)
    expect(page.locator("#credit-note")).to_contain_text("un brouillon à émettre")
