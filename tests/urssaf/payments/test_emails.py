"""What the client and the provider read about a payment request: e-mails, shares, dates."""

import pytest
from django.core import mail
from django.utils import timezone

from urssaf.models import PaymentRequest, RequestState
from urssaf.payments.emails import send_payment_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_request(alice_invoice):
    now = timezone.now()
    return PaymentRequest.objects.create(
        invoice=alice_invoice,
        state=RequestState.SUBMITTED,
        invoice_number=alice_invoice.number,
        urssaf_id="dp-1",
        status_code="20",
        submitted_at=now,
        status_changed_at=now,
    )


def test_the_request_e_mail_gives_the_client_her_share_and_the_credit(sent_request, alice):
    send_payment_email(kind="sent", request_id=sent_request.pk)

    [message] = mail.outbox
    body = " ".join(message.body.replace("\u00a0", " ").split())
    assert message.to == [alice.email]
    assert "l'URSSAF prélèvera seulement votre part, 37,50 €" in body
    assert "Le crédit d'impôt immédiat, 37,50 €, est réglé directement par l'URSSAF" in body


def test_a_refused_debit_e_mail_tells_the_client_what_to_do(sent_request, alice):
    PaymentRequest.objects.filter(pk=sent_request.pk).update(status_code="60")

    send_payment_email(kind="debit_refused", request_id=sent_request.pk)

    [message] = mail.outbox
    body = " ".join(message.body.replace("\u00a0", " ").split())
    assert message.to == [alice.email]
    assert "Le prélèvement de votre part de la facture n° 2026-00001" in body
    assert "(37,50 €) a été refusé par votre banque" in body
    assert "contact@cooperative-sap.fr" in body
    assert "/espace-client/" in body  # the link to the invoice on the portal


def test_a_transfer_dated_ahead_of_our_clock_owes_the_provider_from_that_date(sent_request):
    import datetime as dt
    from decimal import Decimal

    from invoices.models import Payout
    from invoices.services.payouts import PAYOUT_TARGET
    from urssaf.payments.schedule import PARIS
    from urssaf.payments.services.money import urssaf_payment_book

    transfer_day = timezone.localdate() + dt.timedelta(days=4)  # the sandbox's clock ran ahead
    PaymentRequest.objects.filter(pk=sent_request.pk).update(
        status_code="70", transfer_date=transfer_day, transfer_amount=Decimal("75.00")
    )

    urssaf_payment_book(request_id=sent_request.pk)

    payout = Payout.objects.get(invoice=sent_request.invoice)
    assert payout.due_at == dt.datetime.combine(transfer_day, dt.time(12), PARIS) + PAYOUT_TARGET
