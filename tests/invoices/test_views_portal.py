import datetime as dt
import uuid
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import PaymentMode

pytestmark = pytest.mark.django_db


def list_url() -> str:
    return reverse("portal:invoice_list")


def detail_url(invoice) -> str:
    return reverse("portal:invoice_detail", kwargs={"code": invoice.code})


def pay(invoice, amount: str, mode: str = PaymentMode.CHEQUE, **extra):
    return services.payment_record(
        invoice=invoice,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        mode=mode,
        by=None,
        **extra,
    )


@pytest.fixture
def bob_invoice(dave, bob, make_draft):
    return services.invoice_issue(invoice=make_draft(dave, bob), by=dave.user)


# --- The portal's front door -----------------------------------------------------------------


def test_portal_root_redirects_to_the_invoice_list(client, alice):
    client.force_login(alice.user)
    response = client.get(reverse("portal:index"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == list_url()


# --- Invoice list ----------------------------------------------------------------------------


def test_invoice_list_shows_each_invoice_with_total_paid_and_remaining(
    client, alice, alice_invoice
):
    pay(alice_invoice, "25.00")
    client.force_login(alice.user)

    response = client.get(list_url())

    assert response.status_code == HTTPStatus.OK
    [row] = response.context["page"].object_list
    assert row == alice_invoice
    assert row.amount_paid_total == Decimal("25.00")
    assert row.amount_due == Decimal("50.00")
    body = response.content.decode()
    assert alice_invoice.number in body
    assert "75,00\u00a0€" in body
    assert "50,00\u00a0€" in body
    assert "Émise" in body
    assert reverse("invoices:pdf", kwargs={"code": alice_invoice.code}) in body


def test_invoice_list_never_shows_the_clients_drafts(client, alice, carol, make_draft):
    draft = make_draft(carol, alice)
    client.force_login(alice.user)

    response = client.get(list_url())

    assert response.status_code == HTTPStatus.OK
    assert list(response.context["page"].object_list) == []
    assert str(draft.code) not in response.content.decode()


def test_invoice_list_shows_paid_and_cancelled_invoices_with_nothing_left_to_pay(
    client, alice, carol, alice_invoice, make_draft
):
    pay(alice_invoice, "75.00", PaymentMode.TRANSFER)
    cancelled = services.invoice_cancel(
        invoice=services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user),
        by=carol.user,
    )
    client.force_login(alice.user)

    response = client.get(list_url())

    rows = {row.number: row for row in response.context["page"].object_list}
    assert rows[alice_invoice.number].get_status_display() == "Payée"
    assert rows[alice_invoice.number].amount_due == Decimal("0.00")
    assert rows[cancelled.number].get_status_display() == "Annulée"
    assert rows[cancelled.number].amount_due == Decimal("0.00")
    assert response.context["outstanding"] == Decimal("0.00")


def test_invoice_list_totals_what_remains_due_on_issued_invoices(
    client, alice, carol, alice_invoice, make_draft
):
    second = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    pay(second, "30.00")
    client.force_login(alice.user)

    response = client.get(list_url())

    assert response.context["outstanding"] == Decimal("120.00")  # 75 + (75 - 30)


def test_invoice_list_leaves_out_other_clients_invoices(client, alice, alice_invoice, bob_invoice):
    client.force_login(alice.user)

    response = client.get(list_url())

    assert list(response.context["page"].object_list) == [alice_invoice]
    assert bob_invoice.number not in response.content.decode()


def test_invoice_list_is_forbidden_to_a_provider(client, carol):
    client.force_login(carol.user)
    assert client.get(list_url()).status_code == HTTPStatus.FORBIDDEN


def test_invoice_list_sends_anonymous_visitors_to_login(client):
    response = client.get(list_url())
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_invoice_list_refuses_post(client, alice):
    client.force_login(alice.user)
    assert client.post(list_url()).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- Invoice detail --------------------------------------------------------------------------


def test_invoice_detail_shows_lines_totals_and_payments(client, alice, alice_invoice):
    pay(alice_invoice, "20.00", PaymentMode.CHEQUE, reference="Chèque 0042")
    client.force_login(alice.user)

    response = client.get(detail_url(alice_invoice))

    assert response.status_code == HTTPStatus.OK
    assert response.context["amount_paid"] == Decimal("20.00")
    assert response.context["amount_due"] == Decimal("55.00")
    body = response.content.decode()
    assert "Ménage-repassage" in body
    assert "68,18\u00a0€" in body  # total HT
    assert "6,82\u00a0€" in body  # TVA
    assert "Chèque 0042" in body
    assert "non retenu pour l'attestation fiscale" not in body


def test_invoice_detail_flags_a_cash_payment_as_left_out_of_the_attestation(
    client, alice, alice_invoice
):
    pay(alice_invoice, "10.00", PaymentMode.CASH)
    client.force_login(alice.user)

    response = client.get(detail_url(alice_invoice))

    assert "Espèces" in response.content.decode()
    assert "non retenu pour l'attestation fiscale" in response.content.decode()


def test_invoice_detail_shows_the_split_of_an_immediate_advance_payment(
    client, alice, alice_invoice
):
    pay(
        alice_invoice,
        "75.00",
        PaymentMode.IMMEDIATE_ADVANCE,
        client_share=Decimal("37.50"),
        ai_credit_share=Decimal("37.50"),
    )
    client.force_login(alice.user)

    body = client.get(detail_url(alice_invoice)).content.decode()

    assert "Avance immédiate (URSSAF)" in body
    assert "dont crédit d'impôt 37,50\u00a0€" in body


def test_invoice_detail_of_another_clients_invoice_is_not_found(client, bob, alice_invoice):
    client.force_login(bob.user)
    assert client.get(detail_url(alice_invoice)).status_code == HTTPStatus.NOT_FOUND


def test_invoice_detail_of_the_clients_own_draft_is_not_found(client, alice, carol, make_draft):
    draft = make_draft(carol, alice)
    client.force_login(alice.user)
    assert client.get(detail_url(draft)).status_code == HTTPStatus.NOT_FOUND


def test_invoice_detail_of_an_unknown_code_is_not_found(client, alice):
    client.force_login(alice.user)
    url = reverse("portal:invoice_detail", kwargs={"code": uuid.uuid4()})
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_invoice_detail_is_forbidden_to_the_provider_who_issued_it(client, carol, alice_invoice):
    client.force_login(carol.user)
    assert client.get(detail_url(alice_invoice)).status_code == HTTPStatus.FORBIDDEN


def test_invoice_detail_sends_anonymous_visitors_to_login(client, alice_invoice):
    response = client.get(detail_url(alice_invoice))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_invoice_detail_refuses_post(client, alice, alice_invoice):
    client.force_login(alice.user)
    assert client.post(detail_url(alice_invoice)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_invoice_detail_of_a_cancelled_invoice_shows_nothing_due(client, alice, alice_invoice):
    services.invoice_cancel(invoice=alice_invoice, by=alice_invoice.provider.user)
    client.force_login(alice.user)

    response = client.get(detail_url(alice_invoice))

    assert response.context["amount_due"] == Decimal("0.00")
    assert "a été annulée" in response.content.decode()


def test_invoice_list_is_paginated_newest_first(client, alice, carol, make_draft):
    for day in range(1, 28):
        draft = make_draft(carol, alice, period=(dt.date(2026, 10, day), dt.date(2026, 10, day)))
        services.invoice_issue(invoice=draft, by=carol.user)
    client.force_login(alice.user)

    first = client.get(list_url())
    second = client.get(list_url(), {"page": 2})

    numbers = [row.number for row in first.context["page"].object_list]
    assert len(numbers) == 25
    assert numbers[0] == "2026-00027"
    assert [row.number for row in second.context["page"].object_list] == [
        "2026-00002",
        "2026-00001",
    ]


# --- Avance immédiate: the client's share before payment ------------------------------------


@pytest.fixture
def ai_invoice(alice_invoice):
    """Alice's 75 € invoice sent to URSSAF, waiting for her validation since 10:00 today."""
    from urssaf.models import PaymentRequest, RequestState

    sent = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    PaymentRequest.objects.create(
        invoice=alice_invoice,
        state=RequestState.SUBMITTED,
        invoice_number=alice_invoice.number,
        urssaf_id="dp-1",
        status_code="20",
        submitted_at=sent,
        status_changed_at=sent,
    )
    return alice_invoice


def reader_text(response) -> str:
    import html
    import re

    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words).replace("\u00a0", " "))


def test_an_ai_client_sees_her_share_and_the_credit_in_her_list(client, alice, ai_invoice):
    client.force_login(alice.user)

    page = reader_text(client.get(list_url()))

    assert "Votre part à régler : 37,50 €" in page
    assert "le crédit d'impôt immédiat de 37,50 € est réglé par l'URSSAF" in page
    assert "Reste à régler sur vos factures émises" not in page
    assert "75,00 €" in page  # the invoice's total, in its column


def test_an_ai_client_sees_her_share_when_it_is_debited_and_the_credit_on_the_invoice(
    client, alice, ai_invoice
):
    client.force_login(alice.user)
    debit_day = timezone.localdate(ai_invoice.payment_requests.get().submitted_at) + dt.timedelta(
        days=4
    )

    page = reader_text(client.get(detail_url(ai_invoice)))

    from invoices.templatetags.fr_format import date_fr

    assert f"Votre part : 37,50 €, prélevée par l'URSSAF vers le {date_fr(debit_day)}." in page
    assert "Crédit d'impôt immédiat : 37,50 €" in page
    assert "Reste à payer" not in page


def test_the_client_is_not_shown_urssafs_identifier_of_an_ai_payment(
    client, alice, carol, alice_invoice
):
    reference = "URSSAF 8f488f78-5845-436d-b52e-f34754fe0747"
    pay(
        alice_invoice,
        "75.00",
        PaymentMode.IMMEDIATE_ADVANCE,
        reference=reference,
        client_share=Decimal("37.50"),
        ai_credit_share=Decimal("37.50"),
    )
    client.force_login(alice.user)
    for_client = reader_text(client.get(detail_url(alice_invoice)))
    client.force_login(carol.user)
    for_provider = reader_text(
        client.get(reverse("provider:invoice_detail", args=[alice_invoice.code]))
    )

    assert "8f488f78" not in for_client
    assert "dont crédit d'impôt 37,50" in for_client
    assert reference in for_provider


def test_the_pdf_of_an_ai_invoice_splits_what_is_due(client, alice, ai_invoice):
    import io

    from pypdf import PdfReader

    client.force_login(alice.user)

    response = client.get(reverse("invoices:pdf", args=[ai_invoice.code]))
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())

    assert "Crédit d'impôt immédiat, réglé par l'URSSAF" in text
    assert "Votre part, prélevée par l'URSSAF" in text
    assert "Reste à payer" not in text


def test_an_ordinary_invoice_still_reads_what_remains_due(client, alice, alice_invoice):
    client.force_login(alice.user)

    page = reader_text(client.get(detail_url(alice_invoice)))

    assert "Reste à payer" in page
    assert "Votre part" not in page


def test_an_invoice_unpaid_a_month_after_its_issue_is_flagged_late(client, alice, alice_invoice):
    import time_machine

    client.force_login(alice.user)
    on_time = reader_text(client.get(list_url()))
    later = alice_invoice.issue_date + dt.timedelta(days=31)
    with time_machine.travel(dt.datetime.combine(later, dt.time(12)), tick=False):
        client.force_login(alice.user)  # a month later: a new session
        late = reader_text(client.get(list_url()))
        pay(alice_invoice, "75.00")
        paid = reader_text(client.get(list_url()))

    assert "En retard" not in on_time
    assert "En retard" in late
    assert "En retard" not in paid


def test_the_invoice_page_says_late_as_the_list_does(client, alice, alice_invoice):
    import time_machine

    later = alice_invoice.issue_date + dt.timedelta(days=31)
    with time_machine.travel(dt.datetime.combine(later, dt.time(12)), tick=False):
        client.force_login(alice.user)
        late = reader_text(client.get(detail_url(alice_invoice)))
        pay(alice_invoice, "75.00")
        paid = reader_text(client.get(detail_url(alice_invoice)))

    assert f"Facture {alice_invoice.number} Émise En retard" in late
    assert "En retard" not in paid


def test_the_client_menu_leads_to_the_avance_immediate_page(client, alice):
    client.force_login(alice.user)

    page = client.get(list_url()).content.decode()

    assert f'href="{reverse("portal:ai_status")}">Avance immédiate</a>' in page
