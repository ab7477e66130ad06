"""Journey: an avance immédiate invoice, from Carol's draft to URSSAF's transfer.

Alice Lefebvre's avance immédiate has been active since before this month. Carol invoices her
two services through the form and issues the invoice: the payment request goes to URSSAF (the
sandbox) at once. Alice sees the 48 h countdown, validates on her URSSAF space (the sandbox's
page), whose clock then runs through the debit (≈ J+2) and the transfer (≈ J+4). The portal's
clock does not move with the sandbox's, so Carol asks for the news with the refresh button: the
invoice is paid, half by the client's debit and half by the tax credit, and Carol is owed her
payout.

The dates are relative to today (the period is this month up to today) so the test never ages.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import AIStatus, Client
from invoices.models import Invoice, InvoiceStatus, PaymentMode, Payout, PayoutStatus
from invoices.templatetags.fr_format import date_fr
from urssaf import api as urssaf_api
from urssaf.models import PaymentRequest
from urssaf.payments.schedule import PARIS
from urssaf.payments.statuses import VALIDATION_WINDOW

from ..urssaf.conftest import identity_of, particulier_of
from .conftest import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("urssaf_settings"),
]

TIMELINE = "Avance immédiate — suivi URSSAF"
# 2 h of housework at 25 € and 1,5 h of gardening at 30 €: 95 € TTC, half of it tax credit.
TOTAL = Decimal("95.00")
HALF = Decimal("47.50")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the polling lock and the login rate limits live there


@pytest.fixture
def ai_alice(alice, sandbox) -> Client:
    """Alice, registered and activated at URSSAF three days before this month began."""
    activated_on = timezone.localdate().replace(day=1) - dt.timedelta(days=3)
    # URSSAF refuses services dated before the activation, on its own clock: go back there.
    activated_at = dt.datetime.combine(activated_on, dt.time(9), tzinfo=PARIS)
    sandbox.set_now(activated_at)
    particulier = particulier_of(alice)
    sandbox.add_taxpayer(identity_of(particulier))
    id_client = urssaf_api.register_client(particulier)
    sandbox.activate(id_client)
    sandbox.set_now(timezone.now())
    urssaf_api.clear_token_cache()  # the token was issued on the sandbox's past clock
    Client.objects.filter(pk=alice.pk).update(
        urssaf_id_client=id_client,
        ai_status=AIStatus.ACTIVE,
        ai_activated_on=activated_on,
        ai_activated_at=activated_at,
    )
    alice.refresh_from_db()
    return alice


def service_days() -> tuple[dt.date, dt.date]:
    """Today and yesterday, or today twice on the 1st: one calendar month, nothing future."""
    today = timezone.localdate()
    return today, today if today.day == 1 else today - dt.timedelta(days=1)


def fill_line(row, nature: str, day: dt.date, quantity: str, price: str) -> None:
    row.get_by_label("Nature").select_option(nature)
    row.get_by_label("Date", exact=True).fill(day.isoformat())
    row.get_by_label("Quantité").fill(quantity)
    row.get_by_label("Prix unitaire TTC").fill(price)


def expect_steps(timeline, states: dict[str, str]) -> None:
    """The timeline lists exactly these steps, in this order, in these states."""
    steps = timeline.get_by_role("listitem")
    expect(steps).to_have_count(len(states))
    for index, (key, state) in enumerate(states.items()):
        expect(steps.nth(index)).to_have_attribute("data-step", key)
        expect(steps.nth(index)).to_have_attribute("data-state", state)


def switch_user(page, live_server, email: str) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, live_server, email)


def test_an_avance_immediate_invoice_goes_from_draft_to_paid_through_urssaf(
    journey, live_server, sandbox, carol, ai_alice
):
    page = journey
    alice = ai_alice
    console = []
    page.on("console", lambda message: console.append(message.text))
    first_day, second_day = service_days()
    today = date_fr(first_day)

    # Carol drafts the invoice: this month's period up to today, two lines.
    log_in(page, live_server, carol.user.email)
    page.get_by_role("link", name="Mes factures", exact=True).click()
    page.get_by_role("link", name="Nouvelle facture").click()
    page.get_by_label("Client").select_option(label=alice.full_name)
    expect(page.get_by_label("Début de la période")).to_have_value(
        first_day.replace(day=1).isoformat()
    )
    expect(page.get_by_label("Fin de la période")).to_have_value(first_day.isoformat())
    rows = page.locator("#invoice-lines-body").get_by_role("row")
    fill_line(rows.nth(0), "entretien-maison", first_day, "2", "25")
    fill_line(rows.nth(1), "jardinage", second_day, "1,5", "30")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré : relisez-le puis émettez-le.")).to_be_visible()
    expect(page.get_by_role("heading", name="Brouillon de facture")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^Totaux"))).to_contain_text("95,00")

    # She issues it, after a confirmation that says what cannot be undone; the request is sent
    # to URSSAF in the same request, after the commit.
    page.locator("summary", has_text="Émettre la facture").click()
    expect(page.get_by_text("ne pourra plus être modifiée, et la demande")).to_be_visible()
    assert not Invoice.objects.get(client=alice).number  # nothing happened yet
    page.get_by_role("button", name="Émettre et envoyer à l'URSSAF").click()
    invoice = Invoice.objects.get(client=alice)
    expect(page.get_by_text(f"Facture n° {invoice.number} émise.")).to_be_visible()
    timeline = page.get_by_role("region", name=TIMELINE)
    expect(timeline.get_by_role("status")).to_contain_text(
        "Le client a 48 h pour valider ou contester la demande sur son espace URSSAF"
    )
    expect_steps(
        timeline,
        {
            "sent": "done",
            "validation": "current",
            "debit": "upcoming",
            "transfer": "upcoming",
            "received": "upcoming",
            "payout": "upcoming",
        },
    )
    request = PaymentRequest.objects.get(invoice=invoice)
    assert request.urssaf_id
    deadline = request.submitted_at + VALIDATION_WINDOW

    # Alice sees the request and a live countdown to the deadline (the browser's clock is
    # Playwright's, so an hour can pass at once).
    switch_user(page, live_server, alice.user.email)
    page.clock.install()
    page.get_by_role("link", name="Mes factures", exact=True).click()
    # Before anything is paid she reads her half, never the whole amount as hers to pay.
    expect(page.get_by_text("Votre part à régler :")).to_contain_text("47,50")
    expect(page.get_by_text("le crédit d'impôt immédiat de")).to_contain_text("47,50")
    page.get_by_role("link", name=invoice.number, exact=True).first.click()
    expect(page.locator("#ai-split")).to_contain_text("Votre part : 47,50")
    expect(page.locator("#ai-split")).to_contain_text("Crédit d'impôt immédiat : 47,50")
    timeline = page.get_by_role("region", name=TIMELINE)
    countdown = timeline.get_by_role("status")
    expect(countdown).to_contain_text(
        "Vous avez 48 h pour valider ou contester cette facture sur votre espace URSSAF"
    )
    assert dt.datetime.fromisoformat(countdown.get_attribute("data-countdown-deadline")) == (
        deadline
    )
    remaining = countdown.locator("[data-countdown-remaining]")
    expect(remaining).to_have_text(re.compile(r"^\(il reste 47 h [0-5]\d min\)$"))
    page.clock.run_for("01:00:00")
    expect(remaining).to_have_text(re.compile(r"^\(il reste 46 h [0-5]\d min\)$"))

    # On her URSSAF space she validates it; URSSAF's clock then passes the debit, the transfer.
    page.goto(sandbox.url)
    demande = page.get_by_role("row").filter(has_text=invoice.number)
    expect(demande).to_contain_text("20 — En attente de validation")
    demande.get_by_role("button", name="Valider (client)").click()
    expect(demande).to_contain_text("30 — Validée")
    page.get_by_role("button", name="Avancer +48 h").click()
    expect(demande).to_contain_text("50 — ")
    expect(demande).to_contain_text("Virement prévu le")
    page.get_by_role("button", name="Avancer +48 h").click()
    expect(demande).to_contain_text("70 — Payée")
    expect(demande).to_contain_text("Virement de 95,00 €")

    # Carol asks the portal to look now rather than at the next polling round.
    page.goto(f"{live_server.url}/")
    switch_user(page, live_server, carol.user.email)
    page.get_by_role("link", name="Mes factures", exact=True).click()
    page.get_by_role("link", name=invoice.number, exact=True).first.click()
    page.get_by_role("button", name="Actualiser le suivi URSSAF").click()
    expect(page.get_by_text("Suivi URSSAF actualisé.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Facture n° {invoice.number}")).to_contain_text(
        "Payée"
    )
    timeline = page.get_by_role("region", name=TIMELINE)
    expect(timeline.get_by_role("status")).to_have_count(0)  # no countdown any more
    expect_steps(
        timeline,
        {
            "sent": "done",
            "validation": "done",
            "debit": "done",
            "transfer": "done",
            "received": "done",
            "payout": "current",  # the cooperative pays Carol within 48 h
        },
    )
    expect(timeline.locator("[data-step=validation]")).to_contain_text("Validée —")
    # Received when the portal saw it, the day it is booked: not on the sandbox's later day.
    received = timeline.locator("[data-step=received]")
    expect(received).to_contain_text(f"Paiement reçu et enregistré sur la facture — le {today}")
    expect(received).to_contain_text("Virement de 95,00 € reçu")
    expect(page.get_by_role("row").filter(has_text="Avance immédiate (URSSAF)")).to_contain_text(
        "95,00"
    )

    # Alice sees it paid, and what the tax credit covered.
    switch_user(page, live_server, alice.user.email)
    page.get_by_role("link", name="Mes factures", exact=True).click()
    page.get_by_role("link", name=invoice.number, exact=True).first.click()
    expect(page.get_by_role("heading", name=f"Facture {invoice.number}")).to_contain_text("Payée")
    expect(page.get_by_role("row").filter(has_text="Avance immédiate (URSSAF)")).to_contain_text(
        "dont crédit d'impôt 47,50 €, part prélevée sur votre compte 47,50 €"
    )
    expect(page.get_by_role("row", name="Reste à payer")).to_contain_text("0,00")
    # The client follows her request up to URSSAF's transfer; the provider's payout is not hers.
    expect_steps(
        page.get_by_role("region", name=TIMELINE),
        {
            "sent": "done",
            "validation": "done",
            "debit": "done",
            "transfer": "done",
            "received": "done",
        },
    )
    assert [text for text in console if "Content Security Policy" in text] == []

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.total_ttc == TOTAL
    assert sorted(invoice.lines.values_list("service_date", flat=True)) == sorted(
        [first_day, second_day]
    )
    [payment] = invoice.payments.all()
    assert (payment.mode, payment.amount) == (PaymentMode.IMMEDIATE_ADVANCE, TOTAL)
    assert (payment.client_share, payment.ai_credit_share) == (HALF, HALF)
    assert payment.client_share + payment.ai_credit_share == payment.amount
    assert len(sandbox.demandes(invoice.number)["demandes"]) == 1
    payout = Payout.objects.get(invoice=invoice)
    assert (payout.provider, payout.amount, payout.status) == (carol, TOTAL, PayoutStatus.DUE)


def test_a_refused_debit_tells_the_client_what_happens_and_what_to_do(
    journey, live_server, sandbox, carol, ai_alice
):
    from django.core import mail

    from invoices import services as invoice_services
    from invoices.services import LineData
    from urssaf.payments import services as urssaf_services

    from ..factories import nature

    page = journey
    alice = ai_alice
    day, _ = service_days()
    line = LineData(
        nature=nature("entretien-maison"),
        service_date=day,
        quantity=Decimal("2"),
        unit_price_ttc=Decimal("25"),
        vat_rate=Decimal("10"),
    )
    draft = invoice_services.invoice_create_draft(
        provider=carol, client=alice, period_start=day.replace(day=1), period_end=day, lines=[line]
    )
    invoice = urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)

    # Alice validates on her URSSAF space; two days later her bank refuses the debit.
    page.goto(sandbox.url)
    demande = page.get_by_role("row").filter(has_text=invoice.number)
    demande.get_by_role("button", name="Valider (client)").click()
    expect(demande).to_contain_text("30 — Validée")
    page.get_by_role("button", name="Avancer +48 h").click()
    expect(demande).to_contain_text("50 — ")
    demande.get_by_role("button", name="Refuser le prélèvement (banque)").click()
    expect(demande).to_contain_text("60 — ")
    mail.outbox.clear()

    # The portal learns it (Carol asks now rather than at the next polling round).
    log_in(page, live_server, carol.user.email)
    page.goto(f"{live_server.url}/prestataire/factures/{invoice.code}/")
    page.get_by_role("button", name="Actualiser le suivi URSSAF").click()
    expect(page.get_by_text("Suivi URSSAF actualisé.")).to_be_visible()

    # Alice is e-mailed, in her words, with what to do.
    to_alice = [message for message in mail.outbox if message.to == [alice.email]]
    assert [message.subject for message in to_alice] == [
        f"Facture {invoice.number} : le prélèvement de votre part a été refusé par votre banque"
    ]
    body = " ".join(to_alice[0].body.split())
    assert "L'URSSAF bloque l'avance immédiate tant que ce n'est pas régularisé" in body
    assert "réglez la facture par virement" in body

    # Her invoice page says it too, once.
    switch_user(page, live_server, alice.user.email)
    page.goto(f"{live_server.url}/espace-client/factures/{invoice.code}/")
    timeline = page.get_by_role("region", name=TIMELINE)
    refused = timeline.get_by_text("Le prélèvement de votre part a été refusé par votre banque.")
    expect(refused).to_have_count(1)
    expect(timeline.locator("[data-step=debit]")).to_contain_text(
        "Prélèvement refusé par votre banque"
    )
    # Her share is no longer "debited around the 7th".
    expect(page.locator("#ai-split")).to_contain_text("dont le prélèvement a été refusé")
    expect(page.locator("#ai-split")).not_to_contain_text("prélevée par l'URSSAF vers")
