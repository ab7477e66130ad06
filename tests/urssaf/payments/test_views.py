"""What providers and clients see of a payment request: the timeline and its countdown, the
refresh button, the payment form's explanation, the dashboard cards, the client-list marker;
and the deposit, from the draft form to URSSAF's transfer."""

import datetime as dt
from decimal import Decimal
from html import unescape
from http import HTTPStatus

import pytest
from django.urls import reverse

from invoices import services as invoice_services
from invoices.forms import InvoiceForm
from invoices.models import InvoiceStatus, PaymentMode
from invoices.services import DepositData, LineData
from urssaf.models import PaymentRequest
from urssaf.payments import services
from urssaf.payments import services as urssaf_services

from ...factories import nature
from ..conftest import AI_PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai_invoice(ai_alice, issue_ai_invoice):
    return issue_ai_invoice(ai_alice)


def page(client, user, name, invoice=None, **params):
    client.force_login(user)
    url = reverse(name, args=[invoice.code]) if invoice else reverse(name)
    return client.get(url, params)


def text(response) -> str:
    """The page as a reader sees it: entities decoded, French no-break spaces as spaces."""
    return unescape(response.content.decode()).replace("\u202f", " ")


def test_the_provider_sees_the_journey_and_the_48_hour_countdown(client, carol, ai_invoice):
    response = page(client, carol.user, "provider:invoice_detail", ai_invoice)
    html = text(response)

    assert response.status_code == HTTPStatus.OK
    assert "Avance immédiate — suivi URSSAF" in html
    assert "Le client a 48 h pour valider ou contester la demande" in html
    # Without JavaScript the deadline is still there, in plain words.
    assert "jusqu'au 19 mars 2026 à 10:00" in html
    assert 'data-countdown-deadline="2026-03-19T10:00:00' in html
    assert "js/payment_countdown.js" in html
    assert "<script>" not in html  # no inline script: the data travels in attributes
    assert "Enregistrer un paiement" not in html
    assert "Annuler la facture" not in html


def test_the_client_is_told_to_validate_on_their_urssaf_space(client, ai_alice, ai_invoice):
    html = text(page(client, ai_alice.user, "portal:invoice_detail", ai_invoice))
    assert "Vous avez 48 h pour valider ou contester cette facture sur votre espace URSSAF" in html
    assert "Sans réponse, elle est validée automatiquement." in html


def test_another_client_cannot_see_the_journey(client, bob, ai_invoice):
    response = page(client, bob.user, "portal:invoice_detail", ai_invoice)
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_provider_refreshes_the_follow_up_on_demand(client, carol, ai_invoice, clock):
    client.force_login(carol.user)
    clock.shift(dt.timedelta(seconds=40))
    url = reverse("invoices:payment_request_refresh", args=[ai_invoice.code])

    response = client.post(url, follow=True)

    assert response.redirect_chain == [
        (reverse("provider:invoice_detail", args=[ai_invoice.code]), HTTPStatus.FOUND)
    ]
    assert "Suivi URSSAF actualisé." in response.content.decode()
    assert PaymentRequest.objects.get().status_code == "20"
    again = client.post(url, follow=True)
    assert "réessayez dans une minute" in text(again)


def test_a_refresh_that_cannot_reach_urssaf_says_so_and_the_next_click_asks_again(
    client, carol, ai_invoice, clock, sandbox
):
    client.force_login(carol.user)
    clock.shift(dt.timedelta(seconds=40))
    url = reverse("invoices:payment_request_refresh", args=[ai_invoice.code])
    sandbox.set_faults(error_rate=1, error_statuses=[503], retry_after_seconds=0)

    down = text(client.post(url, follow=True))

    assert "L'URSSAF n'a pas pu être jointe" in down
    assert "Réessayez dans un moment" in down
    assert "Suivi URSSAF actualisé" not in down
    assert PaymentRequest.objects.get().status_code == "10"

    sandbox.set_faults(error_rate=0)
    back = text(client.post(url, follow=True))

    assert "Suivi URSSAF actualisé." in back
    assert PaymentRequest.objects.get().status_code == "20"


def test_a_refresh_with_nothing_new_says_urssaf_answered(client, carol, ai_invoice, clock):
    client.force_login(carol.user)
    url = reverse("invoices:payment_request_refresh", args=[ai_invoice.code])
    clock.shift(dt.timedelta(seconds=40))
    assert "Suivi URSSAF actualisé." in text(client.post(url, follow=True))
    clock.shift(dt.timedelta(seconds=40))

    again = text(client.post(url, follow=True))

    assert "L'URSSAF a répondu : rien de nouveau depuis la dernière vérification." in again
    assert "Suivi URSSAF actualisé" not in again


def test_the_refresh_is_a_post_by_the_owner_only(client, carol, dave, ai_invoice):
    url = reverse("invoices:payment_request_refresh", args=[ai_invoice.code])
    anonymous = client.post(url)
    client.force_login(carol.user)
    wrong_method = client.get(url)
    client.force_login(dave.user)
    stranger = client.post(url)

    assert anonymous.status_code == HTTPStatus.FOUND
    assert anonymous.url.startswith(reverse("login"))
    assert wrong_method.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert stranger.status_code == HTTPStatus.NOT_FOUND


def test_the_payment_form_explains_why_nothing_can_be_entered(client, carol, ai_invoice):
    response = page(client, carol.user, "provider:payment_create", ai_invoice)
    html = text(response)

    assert response.status_code == HTTPStatus.OK
    assert "Cette facture est réglée par l'avance immédiate" in html
    assert "seul un acompte sur devis se règle autrement" in html
    assert 'name="amount"' not in html


def test_the_dashboard_counts_what_waits_for_the_client_and_links_to_it(client, carol, ai_invoice):
    response = page(client, carol.user, "provider:dashboard")

    assert response.context["follow_up"] == {
        "to_validate": 1,
        "contested": 0,
        "failed": 0,
        "late_payouts": 0,
    }
    assert "?follow_up=a_valider" in response.content.decode()
    listed = page(client, carol.user, "provider:invoice_list", follow_up="a_valider")
    assert [i.pk for i in listed.context["page"].object_list] == [ai_invoice.pk]
    none = page(client, carol.user, "provider:invoice_list", follow_up="contestees")
    assert list(none.context["page"].object_list) == []


def test_the_client_list_marks_who_has_a_request_to_validate(client, carol, ai_alice, ai_invoice):
    response = page(client, carol.user, "provider:client_list")
    [listed] = response.context["page"].object_list
    assert listed.has_request_to_validate
    assert "à valider sur l'URSSAF" in text(response)


# --- the deposit ------------------------------------------------------------------------------


def test_the_deposit_fields_go_together(carol):
    form = InvoiceForm(
        data={
            "period_start": "2026-03-02",
            "period_end": "2026-03-16",
            "deposit_amount": "20,00",
        },
        provider=carol,
        with_client=False,
    )
    assert not form.is_valid()
    assert form.errors["deposit_paid_on"] == [
        "Précisez le montant, la date et le mode de l'acompte."
    ]


def test_a_deposit_is_recorded_on_issue_sent_as_mnt_acompte_and_deducted_from_the_transfer(
    ai_alice, carol, clock, sandbox, make_guarantee, django_capture_on_commit_callbacks
):
    # An acompte under the avance immédiate needs a financial guarantee from the first euro.
    make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    clock.move_to(dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC))
    draft = invoice_services.invoice_create_draft(
        provider=carol,
        client=ai_alice,
        period_start=AI_PERIOD[0],
        period_end=AI_PERIOD[1],
        lines=[
            LineData(
                nature=nature("entretien-maison"),
                service_date=dt.date(2026, 3, 5),
                quantity=Decimal("3"),
                unit_price_ttc=Decimal("25"),
                vat_rate=Decimal("10"),
            )
        ],
        deposit=DepositData(Decimal("20.00"), dt.date(2026, 3, 1), PaymentMode.CHEQUE),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)
    urssaf_id = PaymentRequest.objects.get().urssaf_id
    [demande] = sandbox.demandes(invoice.number)["demandes"]
    sandbox.validate(urssaf_id)
    for delta in (dt.timedelta(minutes=6), dt.timedelta(days=2), dt.timedelta(days=2)):
        clock.shift(delta)
        services.payment_requests_poll()

    assert demande["demandePaiement"]["mntAcompte"] == 20.0
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    deposit, advance = invoice.payments.order_by("pk")
    assert (deposit.mode, deposit.amount, deposit.paid_on) == (
        PaymentMode.CHEQUE,
        Decimal("20.00"),
        dt.date(2026, 3, 1),
    )
    assert (advance.amount, advance.client_share, advance.ai_credit_share) == (
        Decimal("55.00"),
        Decimal("17.50"),
        Decimal("37.50"),
    )
