"""Reusable queries about payment requests, for the screens that list invoices and clients.

Each situation is defined once (`_REQUEST_SITUATIONS`, `Payout.late`) and given two ways: a
condition on the outer invoice (`Exists`) for the lists, and per-provider counts for the
dashboard, so the counts and the lists they link to always agree.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, Expression, OuterRef, prefetch_related_objects

from clients.models import Provider
from invoices.models import Payout
from invoices.printing import invoice_document_context
from invoices.selectors import scalar

from .models import AWAITING_VALIDATION, CONTESTED, FAILED, URSSAF_PAYS, PaymentRequest
from .schedule import expected_debit
from .statuses import FAILED_CODES
from .timeline import latest_request

# The avance immédiate situations a provider follows, by the key the dashboard uses.
TO_VALIDATE = "to_validate"
CONTESTED_BY_CLIENT = "contested"
REQUEST_FAILED = "failed"
LATE_PAYOUT = "late_payouts"

# The situations an invoice is in when one of its payment requests is.
_REQUEST_SITUATIONS = {
    TO_VALIDATE: AWAITING_VALIDATION,
    CONTESTED_BY_CLIENT: CONTESTED,
    REQUEST_FAILED: FAILED,
}


def invoice_follow_up(now: datetime) -> dict[str, Exists]:
    """Return, per avance immédiate situation, whether the outer invoice is in it.

    Waiting for the client's validation, contested, failed (refused at sending or unpaid), and
    paid by URSSAF but not yet paid out to the provider past the target date.
    """
    requests = PaymentRequest.objects.filter(invoice=OuterRef("pk"))
    conditions = {key: Exists(requests.filter(q)) for key, q in _REQUEST_SITUATIONS.items()}
    conditions[LATE_PAYOUT] = Exists(Payout.objects.late(now).filter(invoice=OuterRef("pk")))
    return conditions


def provider_follow_up_counts(now: datetime) -> dict[str, Expression]:
    """Return, per situation, how many of the outer provider's invoices are in it.

    The same conditions as invoice_follow_up, counted from the requests and payouts (a few
    rows) rather than tested on each of the provider's invoices: an invoice counts once
    however many of its requests or payouts are in the situation.
    """
    requests = (
        PaymentRequest.objects.filter(invoice__provider=OuterRef("pk"))
        .order_by()
        .values("invoice__provider")
    )
    late = (
        Payout.objects.late(now)
        .filter(invoice__provider=OuterRef("pk"))
        .order_by()
        .values("invoice__provider")
    )
    counts = {
        key: scalar(requests.filter(q), Count("invoice", distinct=True))
        for key, q in _REQUEST_SITUATIONS.items()
    }
    counts[LATE_PAYOUT] = scalar(late, Count("invoice", distinct=True))
    return counts


def client_has_request_to_validate(provider: Provider) -> Exists:
    """Return whether the outer client has one of `provider`'s invoices to validate at URSSAF."""
    return Exists(
        PaymentRequest.objects.awaiting_validation().filter(
            invoice__client=OuterRef("pk"), invoice__provider=provider
        )
    )


def urssaf_pays() -> Exists:
    """Return whether URSSAF pays the outer invoice (avance immédiate), or still may."""
    return Exists(PaymentRequest.objects.filter(URSSAF_PAYS, invoice=OuterRef("pk")))


@dataclass(frozen=True)
class AISplit:
    """What an avance immédiate invoice still due costs the client, and what the credit pays."""

    client_share: Decimal  # debited from the client by URSSAF
    credit: Decimal  # the immediate tax credit, paid by URSSAF
    debit_expected: datetime | None  # about when URSSAF debits the client's share
    debit_refused: bool = False  # her bank refused it: nothing is expected any more

    @property
    def total(self) -> Decimal:
        return self.client_share + self.credit


def ai_split(
    invoice, amount_due: Decimal, *, urssaf_pays: bool, request: PaymentRequest | None = None
) -> AISplit | None:
    """Return the split of what is still due on an invoice URSSAF pays, None otherwise.

    The credit is half the invoice (Invoice.credit_share); the client's share is the rest of
    what is due (her half, less any deposit already paid). With the invoice's latest payment
    `request`, the split also tells about when the share is debited.
    """
    if not urssaf_pays or amount_due <= 0:
        return None
    credit = min(invoice.credit_share, amount_due)
    refused = request is not None and request.status_code in FAILED_CODES
    return AISplit(
        client_share=amount_due - credit,
        credit=credit,
        debit_expected=expected_debit(request) if request is not None and not refused else None,
        debit_refused=refused,
    )


def invoice_context(invoice) -> dict:
    """The invoice's page and PDF context (invoices.printing) with, when URSSAF pays it, what
    the client pays and what the tax credit pays (`ai_split`): screens, PDF and evidence pack
    read the same figures."""
    context = invoice_document_context(invoice)
    prefetch_related_objects([invoice], "payment_requests")  # read twice below, fetched once
    requests = invoice.payment_requests.all()
    context["ai_split"] = ai_split(
        invoice,
        context["amount_due"],
        urssaf_pays=any(request.urssaf_pays for request in requests),
        request=latest_request(invoice),
    )
    return context
