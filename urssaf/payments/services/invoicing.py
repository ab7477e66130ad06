"""Where invoices meet URSSAF: what the screens call instead of the invoices services alone.

The invoices app knows nothing of URSSAF (it sits below this app). Issuing an invoice of an
avance immédiate client must also create its payment request, in the same transaction; and
while URSSAF pays an invoice, neither an ordinary payment nor a cancellation may be recorded
on it. Views, the admin and the demo data call these; the invoices services stay usable alone
for what URSSAF has no say in (drafts, deposits, the books URSSAF's own payment writes).
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import User
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentMode

from .money import ordinary_payment_refusal
from .submission import payment_request_create

CANCEL_REFUSED = (
    "Cette facture est transmise à l'URSSAF pour l'avance immédiate : elle ne peut pas être "
    "annulée tant que la demande de paiement est en cours."
)


@transaction.atomic
def invoice_issue_and_submit(*, invoice: Invoice, by: User, on: date | None = None) -> Invoice:
    """Issue a draft (`invoices.services.invoice_issue`) and, for an avance immédiate client,
    create its payment request, sent to URSSAF after the commit.

    Returns the issued invoice. Raises ValidationError as the issue does, or with the French
    reasons of a failed pre-flight check of the avance immédiate (nothing is saved then).
    """
    invoice = invoice_services.invoice_issue(invoice=invoice, by=by, on=on)
    payment_request_create(invoice=invoice, by=by)
    return invoice


@transaction.atomic
def invoice_cancel_unless_at_urssaf(*, invoice: Invoice, by: User) -> Invoice:
    """Cancel an issued invoice (`invoices.services.invoice_cancel`) unless URSSAF pays it.

    Raises ValidationError while a payment request of the invoice is live, or as the
    cancellation does.
    """
    _refuse_while_urssaf_pays(invoice, CANCEL_REFUSED)
    return invoice_services.invoice_cancel(invoice=invoice, by=by)


@transaction.atomic
def payment_record_unless_at_urssaf(*, invoice: Invoice, mode: str, **payment: Any) -> Payment:
    """Record a payment received outside URSSAF (`invoices.services.payment_record`, whose
    other keyword arguments `payment` holds: amount, paid_on, by, reference).

    Raises ValidationError, the French reason first, for an ordinary payment on an invoice
    URSSAF is paying, or as the recording does.
    """
    if mode != PaymentMode.IMMEDIATE_ADVANCE:
        _refuse_while_urssaf_pays(invoice)
    return invoice_services.payment_record(invoice=invoice, mode=mode, **payment)


def _refuse_while_urssaf_pays(invoice: Invoice, message: str = "") -> None:
    """Raise ValidationError while a payment request of the issued invoice is live at URSSAF.

    An invoice that is not issued is left to the invoices service, whose refusal comes first.
    """
    # The invoice row is locked first, as the invoices services do, so the answer holds until
    # the commit.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != InvoiceStatus.ISSUED:
        return
    refusal = ordinary_payment_refusal(locked)
    if refusal:
        raise ValidationError(message or refusal)
