"""Reusable queries about payment requests, for the screens that list invoices and clients.

Each situation is defined once (`_REQUEST_SITUATIONS`, `Payout.late`) and given two ways: a
condition on the outer invoice (`Exists`) for the lists, and per-provider counts for the
dashboard, so the counts and the lists they link to always agree.
"""

from datetime import datetime

from django.db.models import Count, Exists, Expression, OuterRef

from clients.models import Provider
from invoices.models import Payout
from invoices.selectors import scalar

from .models import AWAITING_VALIDATION, CONTESTED, FAILED, PaymentRequest

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
