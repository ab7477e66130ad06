"""The quote screens: a provider drafts, sends and invoices a quote; the client lists and
downloads it. Who may open what is checked for every URL by tests/test_owner_matrix.py."""

import datetime as dt
import io
from decimal import Decimal
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from invoices import services
from invoices.models import Invoice, InvoiceStatus, Quote, QuoteStatus

from .test_views_provider import NOW, PARIS, flashed, invoice_post, line, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def quote_post(*rows, valid_until="", **header):
    data = invoice_post(*rows, start="2026-12-01", end="2026-12-18", **header)
    data["valid_until"] = valid_until
    return data


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(page.extract_text() for page in pages)


def test_a_provider_drafts_a_quote_with_its_lines(as_carol, alice):
    data = quote_post(
        line(nature="jardinage", day="2026-12-02", quantity="4", price="30"),
        line(nature="jardinage", day="2026-12-09", quantity="2", price="30"),
        client=alice,
        valid_until="2026-12-31",
    )

    response = as_carol.post(reverse("provider:quote_create"), data)

    quote = Quote.objects.get()
    assert response["Location"] == reverse("provider:quote_detail", args=[quote.code])
    assert (quote.status, quote.total_ttc, quote.valid_until) == (
        QuoteStatus.DRAFT,
        Decimal("180.00"),
        dt.date(2026, 12, 31),
    )
    page = text(as_carol.get(response["Location"]))
    assert "Devis en brouillon" in page
    assert "Envoyer au client" in page
    assert "180,00\u00a0€" in page


def test_the_client_page_offers_a_quote_for_that_client(as_carol, alice):
    page = as_carol.get(reverse("provider:client_detail", args=[alice.code])).content.decode()
    url = f"{reverse('provider:quote_create')}?client={alice.code}"
    form = as_carol.get(url)

    assert url in page
    assert form.context["form"].initial["client"] == alice


def test_a_quote_without_lines_or_out_of_its_period_shows_french_errors(as_carol, alice):
    empty = as_carol.post(reverse("provider:quote_create"), quote_post(client=alice))
    outside = as_carol.post(
        reverse("provider:quote_create"),
        quote_post(line(nature="jardinage", day="2027-01-15"), client=alice),
    )

    assert empty.status_code == outside.status_code == HTTPStatus.OK
    assert "Un devis doit comporter au moins une ligne." in text(empty)
    assert "Hors de la période (du 01/12/2026 au 18/12/2026)." in text(outside)
    assert "Le devis n'a pas été enregistré" in text(outside)
    assert not Quote.objects.exists()


def test_editing_a_draft_replaces_its_lines(as_carol, carol, alice, make_quote):
    quote = make_quote(carol, alice)
    data = quote_post(line(nature="jardinage", day="2026-12-03", quantity="1", price="30"))
    data.pop("client", None)

    response = as_carol.post(reverse("provider:quote_edit", args=[quote.code]), data)

    quote.refresh_from_db()
    assert response.status_code == HTTPStatus.FOUND
    assert (quote.lines.count(), quote.total_ttc) == (1, Decimal("30.00"))


def test_sending_then_the_clients_accord_then_the_invoice(as_carol, carol, alice, make_quote):
    quote = make_quote(carol, alice)

    as_carol.post(reverse("provider:quote_send", args=[quote.code]))
    quote.refresh_from_db()
    edit = as_carol.get(reverse("provider:quote_edit", args=[quote.code]))
    as_carol.post(reverse("provider:quote_answer", args=[quote.code]), {"answer": "accepted"})
    invoiced = as_carol.post(reverse("provider:quote_invoice", args=[quote.code]))

    assert quote.number == "D2026-00001"
    assert edit["Location"] == reverse("provider:quote_detail", args=[quote.code])
    invoice = Invoice.objects.get()
    assert invoiced["Location"] == reverse("provider:invoice_edit", args=[invoice.code])
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.total_ttc == quote.total_ttc
    page = text(as_carol.get(reverse("provider:quote_detail", args=[quote.code])))
    assert "Accepté" in page
    assert "Voir la facture" in page
    assert "Facturer ce devis" not in page


def test_a_refusal_shows_why_the_action_was_not_done(as_carol, carol, alice, make_quote):
    quote = make_quote(carol, alice)

    response = as_carol.post(reverse("provider:quote_invoice", args=[quote.code]))

    assert response["Location"] == reverse("provider:quote_detail", args=[quote.code])
    assert flashed(response) == ["Seul un devis accepté par le client peut être facturé."]


def test_an_answer_must_say_accepted_or_declined(as_carol, carol, alice, make_quote):
    quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)

    response = as_carol.post(reverse("provider:quote_answer", args=[quote.code]), {})

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert flashed(response) == ["Indiquez si le client a accepté ou refusé le devis."]


def test_deleting_a_draft(as_carol, carol, alice, make_quote):
    quote = make_quote(carol, alice)

    response = as_carol.post(reverse("provider:quote_delete", args=[quote.code]))

    assert response["Location"] == reverse("provider:quote_list")
    assert not Quote.objects.exists()


def test_the_client_lists_and_downloads_sent_quotes_only(client, carol, alice, make_quote):
    sent = services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    draft = make_quote(carol, alice)
    client.force_login(alice.user)

    page = text(client.get(reverse("portal:quote_list")))
    pdf = client.get(reverse("quotes:pdf", args=[sent.code]))
    hidden = client.get(reverse("quotes:pdf", args=[draft.code]))

    assert sent.number in page
    assert "Bon pour accord" in page
    assert hidden.status_code == HTTPStatus.NOT_FOUND
    document = pdf_text(pdf)
    for expected in (
        "DEVIS",
        sent.number,
        "Valable jusqu'au",
        "Taille de la haie",
        "120,00",
        "Crédit d'impôt de 50 %",
        "Bon pour accord",
        "Devis gratuit",
        "SAP",
    ):
        assert expected in document, expected


def test_an_expired_quote_says_so_and_can_no_longer_be_accepted(as_carol, carol, alice, make_quote):
    quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)

    with time_machine.travel(dt.datetime(2026, 12, 28, 10, tzinfo=PARIS), tick=False):
        as_carol.force_login(carol.user)  # the first session has expired by then
        page = text(as_carol.get(reverse("provider:quote_detail", args=[quote.code])))
        listing = text(as_carol.get(reverse("provider:quote_list")))

    assert "n'est plus valable depuis le" in page
    assert "Le client a accepté" not in page
    assert "Expiré" in listing


def test_quote_notes_of_a_megabyte_are_refused_in_french(as_carol, alice):
    data = quote_post(line(), client=alice, notes="Mention. " * 200_000)

    response = as_carol.post(reverse("provider:quote_create"), data)

    assert response.status_code == HTTPStatus.OK
    assert "au plus 2000 caractères" in response.content.decode()
    assert not Quote.objects.exists()
