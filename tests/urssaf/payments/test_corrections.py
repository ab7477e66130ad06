"""The guided correction after a payment request was sent: contested (40), cancelled at URSSAF
(110…), refused at sending, or paid and found wrong. A credit note cancels the invoice, the
refund is recorded when the client paid, a new draft replaces it and, once issued under a new
number, sends a new request. Provider and staff; nobody else."""

from decimal import Decimal
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from invoices.models import (
    CreditNote,
    CreditNoteReason,
    Invoice,
    InvoiceStatus,
    PaymentMode,
    Payout,
    PayoutStatus,
)
from urssaf.models import PaymentRequest, RequestState
from urssaf.payments import services as urssaf_services

pytestmark = pytest.mark.django_db


def sent(invoice: Invoice, code: str, **fields) -> PaymentRequest:
    """A request URSSAF knows, whose last status is `code`."""
    return PaymentRequest.objects.create(
        invoice=invoice,
        invoice_number=invoice.number,
        state=RequestState.SUBMITTED,
        urssaf_id=f"DP-{invoice.pk}",
        submitted_at=timezone.now(),
        status_code=code,
        **fields,
    )


def paid_by_urssaf(invoice: Invoice) -> PaymentRequest:
    request = sent(
        invoice, "70", transfer_amount=invoice.total_ttc, transfer_date=timezone.localdate()
    )
    urssaf_services.urssaf_payment_book(request_id=request.pk)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    return request


def correct_url(invoice: Invoice) -> str:
    return reverse("invoices:correct", args=[invoice.code])


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def test_a_contested_request_is_corrected_by_a_credit_note_and_a_new_draft(as_carol, alice_invoice):
    request = sent(alice_invoice, "40", rejection_code="CONTEST_ERR_FACT")

    page = as_carol.get(correct_url(alice_invoice)).content.decode()
    response = as_carol.post(correct_url(alice_invoice), {"detail": "2 h et non 3"})

    note = CreditNote.objects.get(invoice=alice_invoice)
    draft = Invoice.objects.get(replaces=alice_invoice)
    request.refresh_from_db()
    alice_invoice.refresh_from_db()
    assert "Demande de paiement contestée par le client" in page
    assert "Un <strong>avoir</strong> de 75,00" in page
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("provider:invoice_detail", args=[draft.code])
    assert (note.reason, note.reason_detail, note.number) == (
        CreditNoteReason.CONTESTED,
        "2 h et non 3",
        f"AV-{note.issue_date.year}-00001",
    )
    assert alice_invoice.status == InvoiceStatus.CANCELLED
    assert request.state == RequestState.SUPERSEDED
    assert (draft.status, draft.total_ttc) == (InvoiceStatus.DRAFT, Decimal("75.00"))
    assert "invoice.corrected" in [e.action for e in audit_trail(alice_invoice)]
    assert "urssaf.payment_request.superseded" in [e.action for e in audit_trail(request)]


def test_a_request_cancelled_at_urssaf_gives_its_reason_to_the_credit_note(carol, alice_invoice):
    sent(alice_invoice, "110", rejection_code="ANNUL_ERR_MNT")

    urssaf_services.invoice_correct(invoice=alice_invoice, by=carol.user)

    assert CreditNote.objects.get().reason == CreditNoteReason.URSSAF_CANCELLED


def test_a_request_still_at_urssaf_cannot_be_corrected(as_carol, alice_invoice):
    sent(alice_invoice, "20")

    page = as_carol.get(correct_url(alice_invoice)).content.decode()
    as_carol.post(correct_url(alice_invoice), {"detail": "x"})
    detail = as_carol.get(reverse("provider:invoice_detail", args=[alice_invoice.code]))

    assert "L&#x27;URSSAF traite encore la demande de paiement" in page
    assert "Émettre l&#x27;avoir" not in page
    assert not CreditNote.objects.exists()
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.ISSUED
    assert correct_url(alice_invoice) not in detail.content.decode()


def test_an_invoice_paid_by_urssaf_is_refunded_outside_it_then_replaced(as_carol, alice_invoice):
    request = paid_by_urssaf(alice_invoice)
    today = timezone.localdate()

    page = as_carol.get(correct_url(alice_invoice)).content.decode()
    missing = as_carol.post(correct_url(alice_invoice), {"detail": ""})
    done = as_carol.post(
        correct_url(alice_invoice),
        {"refunded_on": today.isoformat(), "mode": PaymentMode.TRANSFER, "reference": "VIR 7"},
    )

    assert "Le client a déjà réglé 75,00" in page
    assert "Le versement encore dû au prestataire pour cette facture est annulé." in page
    assert missing.status_code == HTTPStatus.OK
    assert "Ce champ est obligatoire." in missing.content.decode()
    assert done.status_code == HTTPStatus.FOUND
    note = CreditNote.objects.get(invoice=alice_invoice)
    assert note.reason == CreditNoteReason.WRONG_AFTER_PAYMENT
    assert (note.refund.amount, note.refund.reference) == (Decimal("75.00"), "VIR 7")
    assert Payout.objects.get(invoice=alice_invoice).status == PayoutStatus.CANCELLED
    # URSSAF's paid request stays followed: it may still take the money back.
    request.refresh_from_db()
    assert (request.state, request.payment_id is not None) == (RequestState.SUBMITTED, True)


def test_a_transfer_not_yet_booked_must_be_reconciled_first(carol, alice_invoice):
    sent(alice_invoice, "70")  # paid by URSSAF, but the amounts did not match: not booked

    assert "pas encore rapproché" in urssaf_services.correction_refusal(alice_invoice)


def test_a_double_submission_issues_one_credit_note_and_one_draft(as_carol, alice_invoice):
    sent(alice_invoice, "40")

    first = as_carol.post(correct_url(alice_invoice), {"detail": ""})
    second = as_carol.post(correct_url(alice_invoice), {"detail": ""})

    assert CreditNote.objects.count() == 1
    assert Invoice.objects.filter(replaces=alice_invoice).count() == 1
    assert first["Location"] == second["Location"]


def test_only_the_provider_and_staff_may_correct(client, alice_invoice, alice, dave, bob):
    sent(alice_invoice, "40")
    url = correct_url(alice_invoice)

    anonymous = client.get(url)
    client.force_login(dave.user)
    other_provider = [client.get(url).status_code, client.post(url).status_code]
    client.force_login(alice.user)
    owner_client = [client.get(url).status_code, client.post(url).status_code]
    client.force_login(alice_invoice.provider.user)
    wrong_method = client.put(url).status_code

    assert anonymous.status_code == HTTPStatus.FOUND
    assert anonymous["Location"].startswith(reverse("login"))
    assert other_provider == [HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND]
    assert owner_client == [HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND]
    assert wrong_method == HTTPStatus.METHOD_NOT_ALLOWED
    assert not CreditNote.objects.exists()


def test_staff_correct_from_the_admin_and_land_on_the_draft_there(client, sam, alice_invoice):
    sent(alice_invoice, "40")
    client.force_login(sam)

    admin_page = client.get(reverse("admin:invoices_invoice_change", args=[alice_invoice.pk]))
    response = client.post(correct_url(alice_invoice), {"detail": ""})

    draft = Invoice.objects.get(replaces=alice_invoice)
    assert correct_url(alice_invoice) in admin_page.content.decode()
    assert response["Location"] == reverse("admin:invoices_invoice_change", args=[draft.pk])
    assert CreditNote.objects.get().issued_by == sam
    after = client.get(reverse("admin:invoices_invoice_change", args=[alice_invoice.pk]))
    assert "annulée par l'avoir" in after.content.decode()


def test_cancelled_and_corrected_invoices_link_to_each_other_and_to_the_credit_note(
    as_carol, carol, alice, alice_invoice
):
    sent(alice_invoice, "40")
    draft = urssaf_services.invoice_correct(invoice=alice_invoice, by=carol.user)
    note = CreditNote.objects.get()
    issued = urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)

    old_page = as_carol.get(reverse("provider:invoice_detail", args=[alice_invoice.code]))
    new_page = as_carol.get(reverse("provider:invoice_detail", args=[issued.code]))
    as_carol.force_login(alice.user)
    portal = as_carol.get(reverse("portal:invoice_detail", args=[alice_invoice.code]))

    pdf_url = reverse("invoices:credit_note_pdf", args=[note.code])
    old_html = old_page.content.decode()
    assert pdf_url in old_html
    assert reverse("provider:invoice_detail", args=[issued.code]) in old_html
    assert issued.number in old_html
    assert pdf_url in new_page.content.decode()
    assert (
        reverse("provider:invoice_detail", args=[alice_invoice.code]) in new_page.content.decode()
    )
    assert pdf_url in portal.content.decode()
    assert issued.number != alice_invoice.number


def test_contested_at_the_sandbox_corrected_and_sent_again_under_a_new_number(
    ai_alice, issue_ai_invoice, sandbox, carol, client, on_commit
):
    invoice = issue_ai_invoice(ai_alice)
    request = PaymentRequest.objects.get(invoice=invoice)
    sandbox.contest(request.urssaf_id, code="CONTEST_ERR_FACT", commentaire="Il n'y a eu que 2 h")
    urssaf_services.payment_request_refresh(request=request)
    request.refresh_from_db()
    assert request.status_code == "40"
    client.force_login(carol.user)

    client.post(correct_url(invoice), {"detail": "2 h au lieu de 3"})
    draft = Invoice.objects.get(replaces=invoice)
    with on_commit():
        client.post(reverse("provider:invoice_issue", args=[draft.code]))

    draft.refresh_from_db()
    new_request = PaymentRequest.objects.get(invoice=draft)
    assert draft.status == InvoiceStatus.ISSUED
    assert draft.number != invoice.number
    assert (new_request.state, new_request.invoice_number) == (
        RequestState.SUBMITTED,
        draft.number,
    )
    assert CreditNote.objects.get(invoice=invoice).reason == CreditNoteReason.CONTESTED
    request.refresh_from_db()
    assert request.state == RequestState.SUPERSEDED
