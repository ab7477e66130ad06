"""The staff's triage of payment requests: the admin home's counts, the queue, and the
actions (retry, abandon, correct and resubmit, mark handled), each in the audit trail."""

import io
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from audit.services import audit_trail
from clients.models import Client
from invoices.models import Invoice, InvoiceStatus
from urssaf.models import PaymentRequest, RequestState, TriageState
from urssaf.payments import services as urssaf_services
from urssaf.payments.services import ordinary_payment_refusal
from urssaf.payments.triage_table import PaymentBucket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def refused(ai_alice, issue_ai_invoice):
    """A request URSSAF refused: Alice's birth date differs from the one it knows."""
    Client.objects.filter(pk=ai_alice.pk).update(birth_date="1975-05-18")
    ai_alice.refresh_from_db()
    invoice = issue_ai_invoice(ai_alice)
    request = PaymentRequest.objects.get(invoice=invoice)
    assert request.state == RequestState.FAILED
    return request


def change_url(request: PaymentRequest, action: str = "") -> str:
    if action:
        return reverse(f"admin:urssaf_paymentrequest_{action}", args=[request.pk])
    return reverse("admin:urssaf_paymentrequest_change", args=[request.pk])


def test_the_admin_home_partial_counts_each_bucket_with_a_link(staff, refused):
    page = staff.get(reverse("admin:index")).content.decode()
    # The registrations' panel comes first, with a bucket named "other" too: read this one only.
    html = page.split('id="triage-payments"', 1)[1].split("</table>", 1)[0]

    assert 'data-bucket="client_account">1<' in html
    assert 'data-bucket="invoice_data">0<' in html
    assert "?triage_bucket__exact=client_account" in html
    assert "Demandes de paiement URSSAF à traiter" in html


def test_the_queue_shows_what_waits_and_explains_it(staff, refused):
    listing = staff.get(reverse("admin:urssaf_paymentrequest_changelist"))
    detail = staff.get(change_url(refused))

    assert list(listing.context["cl"].result_list) == [refused]
    assert detail.status_code == HTTPStatus.OK
    assert detail.context["bucket_advice"].label == PaymentBucket.CLIENT_ACCOUNT.label
    assert [code for code, _ in detail.context["code_advice"]] == ["ERR_PARTICULIER_INCONNU"]


def test_retrying_after_the_client_record_is_fixed_sends_it_again(
    staff, refused, ai_alice, sam, sandbox, django_capture_on_commit_callbacks
):
    Client.objects.filter(pk=ai_alice.pk).update(birth_date="1975-05-17")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(change_url(refused, "retry"))

    refused.refresh_from_db()
    assert response.status_code == HTTPStatus.FOUND
    assert refused.state == RequestState.SUBMITTED
    assert (refused.triage_state, refused.triaged_by) == (TriageState.RESOLVED, sam)
    assert len(sandbox.submissions(refused.invoice_number)) == 2  # refused once, then accepted
    entry = next(e for e in audit_trail(refused) if e.action == "urssaf.payment_request.retried")
    assert entry.actor == sam


def test_abandoning_lets_the_invoice_be_settled_directly(staff, refused, sam):
    response = staff.post(change_url(refused, "abandon"), {"note": "Réglera par chèque"})

    refused.refresh_from_db()
    assert response.status_code == HTTPStatus.FOUND
    assert refused.state == RequestState.CANCELLED
    assert refused.triage_note.endswith(f"— {sam.email} : Réglera par chèque")
    assert ordinary_payment_refusal(refused.invoice) == ""


def test_a_request_urssaf_is_still_processing_cannot_be_abandoned(
    staff, ai_alice, issue_ai_invoice
):
    invoice = issue_ai_invoice(ai_alice)
    request = PaymentRequest.objects.get(invoice=invoice)

    response = staff.post(change_url(request, "abandon"), follow=True)

    assert "L'URSSAF traite encore cette demande" in response.content.decode().replace(
        "&#x27;", "'"
    )
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED


def test_correcting_cancels_the_invoice_and_prepares_a_draft_for_a_new_number(staff, refused, sam):
    old = refused.invoice

    response = staff.post(change_url(refused, "correct"), follow=True)

    refused.refresh_from_db()
    old.refresh_from_db()
    draft = Invoice.objects.exclude(pk=old.pk).get()
    page = response.content.decode()
    assert (
        f"Facture {old.number} annulée par un avoir ; un brouillon corrigé a été créé pour" in page
    )
    assert refused.state == RequestState.SUPERSEDED
    assert old.status == InvoiceStatus.CANCELLED
    assert (draft.status, draft.number, draft.provider, draft.client) == (
        InvoiceStatus.DRAFT,
        None,
        old.provider,
        old.client,
    )
    assert [(li.nature_id, li.quantity, li.total_ttc) for li in draft.lines.all()] == [
        (li.nature_id, li.quantity, li.total_ttc) for li in old.lines.all()
    ]
    assert any(e.action == "urssaf.payment_request.corrected" for e in audit_trail(refused))
    assert draft.replaces == old


def test_correcting_tells_the_provider_why_and_where_the_draft_waits(
    staff, refused, django_capture_on_commit_callbacks
):
    old = refused.invoice
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(change_url(refused, "correct"))

    draft = Invoice.objects.get(replaces=old)
    [message] = mail.outbox
    assert message.to == [old.provider.user.email]
    assert message.subject == f"Facture {old.number} annulée : un brouillon corrigé vous attend"
    assert "L'URSSAF ne reconnaît pas le client" in message.body  # the reason, in French
    assert f"par l'avoir n° {old.credit_note.number}" in message.body
    assert reverse("provider:invoice_detail", args=[draft.code]) in message.body
    html = message.alternatives[0][0]
    assert reverse("provider:invoice_detail", args=[draft.code]) in html


def test_the_corrected_invoice_says_which_one_it_replaces(
    staff, refused, carol, client, make_draft
):
    old = refused.invoice
    staff.post(change_url(refused, "correct"))
    draft = Invoice.objects.get(replaces=old)
    client.force_login(carol.user)

    page = client.get(reverse("provider:invoice_detail", args=[draft.code])).content.decode()
    issued = urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)
    pdf = client.get(reverse("invoices:pdf", args=[issued.code]))

    assert "la facture n° <a" in page
    assert old.number in page
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Remplace la facture n° {old.number}, annulée par l'avoir n° AV-" in text
    assert old.number in text


def test_bulk_actions_skip_what_does_not_apply_and_say_why(staff, refused, sam):
    response = staff.post(
        reverse("admin:urssaf_paymentrequest_changelist"),
        {"action": "resolve_selected", ACTION_CHECKBOX_NAME: [refused.pk]},
        follow=True,
    )
    again = staff.post(
        reverse("admin:urssaf_paymentrequest_changelist") + "?suivi=tout",
        {"action": "resolve_selected", ACTION_CHECKBOX_NAME: [refused.pk]},
        follow=True,
    )

    refused.refresh_from_db()
    assert refused.triage_state == TriageState.RESOLVED
    assert "1 demande(s) marquée(s) traitée(s)." in response.content.decode()
    assert "n&#x27;est pas à traiter" in again.content.decode()


def test_the_queue_is_for_staff_only(client, carol, refused):
    client.force_login(carol.user)
    response = client.get(reverse("admin:urssaf_paymentrequest_changelist"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_index_shows_the_payment_triage_panel_beside_registrations(client, sam):
    client.force_login(sam)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="triage-registrations"' in page
    assert 'id="triage-payments"' in page
    assert "Demandes de paiement URSSAF à traiter" in page


def test_a_staff_note_of_a_megabyte_is_refused_and_the_request_left_as_it_was(staff, refused):
    response = staff.post(change_url(refused, "resolve"), {"note": "Note. " * 200_000}, follow=True)

    refused.refresh_from_db()
    assert "Note trop longue : 2000 caractères au plus" in response.content.decode()
    assert refused.triage_state == TriageState.OPEN
    assert refused.triage_note == ""


def test_correct_and_resend_asks_first_and_says_what_cannot_be_undone(staff, refused):
    page = staff.get(change_url(refused)).content.decode()

    confirm = page[page.index('<details class="confirm-action"') :]
    confirm = confirm[: confirm.index("</details>")]
    assert "Corriger et renvoyer (nouveau numéro)…</summary>" in confirm
    assert "annulée définitivement" in confirm
    assert reverse("admin:urssaf_paymentrequest_correct", args=[refused.pk]) in confirm
