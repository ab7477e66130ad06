"""Quotes (devis): drafts, numbering when sent, the client's answer, and the invoice made of one."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from invoices import services
from invoices.models import InvoiceStatus, Quote, QuoteStatus
from invoices.services import LineData

from ..factories import nature

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(carol, alice, make_quote):
    return services.quote_send(quote=make_quote(carol, alice), by=carol.user)


def test_a_draft_quote_computes_its_totals_from_its_lines(carol, alice, make_quote):
    quote = make_quote(carol, alice)

    assert quote.status == QuoteStatus.DRAFT
    assert quote.number is None
    assert (quote.total_ht, quote.total_tva, quote.total_ttc) == (
        Decimal("109.09"),
        Decimal("10.91"),
        Decimal("120.00"),
    )
    [line] = quote.lines.all()
    assert line.description == "Taille de la haie"


def test_a_quote_for_another_providers_client_or_without_lines_is_refused(
    carol, bob, alice, make_quote
):
    with pytest.raises(ValidationError) as not_mine:
        make_quote(carol, bob)
    with pytest.raises(ValidationError) as empty:
        services.quote_create_draft(
            provider=carol,
            client=alice,
            period_start=dt.date(2026, 12, 1),
            period_end=dt.date(2026, 12, 2),
            lines=[],
        )

    assert "Ce client n'est pas rattaché à votre compte." in not_mine.value.messages
    assert "Un devis doit comporter au moins une ligne." in empty.value.messages
    assert not Quote.objects.exists()


def test_a_validity_date_already_past_is_refused(carol, alice, make_quote):
    with pytest.raises(ValidationError) as caught:
        make_quote(carol, alice, valid_until=timezone.localdate() - dt.timedelta(days=1))

    assert caught.value.messages == ["La date de validité du devis est déjà passée."]


def test_sending_numbers_dates_and_freezes_the_quote(carol, alice, make_quote, sent):
    second = services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    today = timezone.localdate()

    assert sent.status == QuoteStatus.SENT
    assert (sent.number, second.number) == (f"D{today.year}-00001", f"D{today.year}-00002")
    assert sent.issue_date == today
    assert sent.valid_until == today + services.quotes.DEFAULT_VALIDITY
    with pytest.raises(ValidationError):
        services.quote_update_draft(
            quote=sent,
            period_start=sent.period_start,
            period_end=sent.period_end,
            lines=[],
        )
    with pytest.raises(ValidationError):
        services.quote_delete_draft(quote=sent)
    with pytest.raises(ValidationError):
        services.quote_send(quote=sent, by=carol.user)


def test_a_draft_can_be_edited_and_deleted(carol, alice, make_quote):
    quote = make_quote(carol, alice)
    line = LineData(
        nature=nature("jardinage"),
        service_date=dt.date(2026, 12, 3),
        quantity=Decimal("2"),
        unit_price_ttc=Decimal("30"),
        vat_rate=Decimal("10"),
    )

    services.quote_update_draft(
        quote=quote,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 5),
        lines=[line, line],
        notes="Accès par le portail",
    )
    quote.refresh_from_db()
    assert (quote.total_ttc, quote.lines.count(), quote.notes) == (
        Decimal("120.00"),
        2,
        "Accès par le portail",
    )

    services.quote_delete_draft(quote=quote)
    assert not Quote.objects.exists()


def test_the_clients_answer_is_recorded_once(carol, sent):
    services.quote_record_answer(quote=sent, accepted=True, by=carol.user)
    sent.refresh_from_db()

    assert sent.status == QuoteStatus.ACCEPTED
    assert sent.answered_at is not None
    with pytest.raises(ValidationError):
        services.quote_record_answer(quote=sent, accepted=False, by=carol.user)


def test_an_expired_quote_cannot_be_accepted_but_can_be_declined(carol, sent):
    with time_machine.travel(sent.valid_until + dt.timedelta(days=1), tick=False):
        assert sent.is_expired()
        with pytest.raises(ValidationError) as caught:
            services.quote_record_answer(quote=sent, accepted=True, by=carol.user)
        declined = services.quote_record_answer(quote=sent, accepted=False, by=carol.user)

    assert "n'est plus valable" in caught.value.messages[0]
    assert declined.status == QuoteStatus.DECLINED


def test_an_accepted_quote_becomes_an_invoice_draft_once(carol, sent):
    with pytest.raises(ValidationError) as not_accepted:
        services.quote_invoice(quote=sent, by=carol.user)
    services.quote_record_answer(quote=sent, accepted=True, by=carol.user)

    invoice = services.quote_invoice(quote=sent, by=carol.user)

    assert not_accepted.value.messages == ["Seul un devis accepté par le client peut être facturé."]
    assert invoice.status == InvoiceStatus.DRAFT
    assert (invoice.client, invoice.provider, invoice.total_ttc) == (
        sent.client,
        sent.provider,
        sent.total_ttc,
    )
    assert invoice.notes.startswith(f"Selon notre devis n° {sent.number}.")
    assert [(li.nature_id, li.quantity, li.description) for li in invoice.lines.all()] == [
        (li.nature_id, li.quantity, li.description) for li in sent.lines.all()
    ]
    sent.refresh_from_db()
    assert sent.invoice == invoice
    with pytest.raises(ValidationError):
        services.quote_invoice(quote=sent, by=carol.user)


def test_quotes_are_seen_by_their_provider_and_client_once_sent(
    carol, dave, alice, bob, make_quote, sent
):
    draft = make_quote(carol, alice)

    assert set(Quote.objects.for_user(carol.user)) == {sent, draft}
    assert list(Quote.objects.for_user(alice.user)) == [sent]
    assert not Quote.objects.for_user(dave.user).exists()
    assert not Quote.objects.for_user(bob.user).exists()
