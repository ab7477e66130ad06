"""The payment-request e-mails: templates/emails/payment_<kind>_*.

- `sent`, to the client: URSSAF will ask them to validate within 48 h on their space.
- `contested`, to the provider: the client contested the request (with the reason).
- `debit_failed`, to the provider: the client's bank refused the direct debit.
- `debit_refused`, to the client: the same news, and what to do about it.
- `corrected`, to the provider: the staff cancelled the invoice and made a corrected draft of
  it ("Corriger et renvoyer"), which waits for the provider to fix and issue it.
"""

import logging

from clients.mail import portal_url, send_templated_email
from invoices.models import CreditNote, Invoice

from ..emails import URSSAF_PARTICULIER_URL
from .models import PaymentRequest
from .schedule import validation_deadline
from .statuses import rejection_info

logger = logging.getLogger(__name__)

# Who receives each e-mail.
RECIPIENTS = {
    "sent": "client",
    "contested": "provider",
    "debit_failed": "provider",
    "debit_refused": "client",
    "corrected": "provider",
}


def send_payment_email(*, kind: str, request_id: int) -> None:
    """Send the `kind` e-mail about this payment request.

    Raises ValueError for an unknown kind; mail transport errors propagate (OSError).
    """
    if kind not in RECIPIENTS:
        raise ValueError(f"Unknown payment-request e-mail: {kind}")
    request = PaymentRequest.objects.select_related(
        "invoice__client", "invoice__provider__user", "invoice__cooperative"
    ).get(pk=request_id)
    recipient = (
        request.invoice.client.email
        if RECIPIENTS[kind] == "client"
        else request.invoice.provider.user.email
    )
    send_templated_email(template=f"payment_{kind}", context=_context(request), to=recipient)
    logger.info("Payment-request %s e-mail sent for request %s", kind, request.pk)


def _context(request: PaymentRequest) -> dict:
    invoice = request.invoice
    return {
        "request": request,
        "invoice": invoice,
        "client": invoice.client,
        "provider": invoice.provider,
        "cooperative": invoice.cooperative,
        "deadline": validation_deadline(request),
        "client_share": invoice.total_ttc - invoice.credit_share - invoice.deposit_amount,
        "rejection": rejection_info(request.rejection_code) if request.rejection_code else None,
        "urssaf_url": URSSAF_PARTICULIER_URL,
        "client_url": portal_url("portal:invoice_detail", invoice.code),
        "provider_url": portal_url("provider:invoice_detail", invoice.code),
        "reasons": [advice.explanation for _, advice in request.code_advice],
        "draft_url": _draft_url(invoice),
        "credit_note": CreditNote.objects.filter(invoice=invoice).first(),
    }


def _draft_url(invoice: Invoice) -> str:
    """The corrected draft's page, once "Corriger et renvoyer" made one; else empty."""
    replacement = Invoice.objects.filter(replaces=invoice).only("code").first()
    return portal_url("provider:invoice_detail", replacement.code) if replacement else ""
