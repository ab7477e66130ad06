"""Reusable queries about payment requests, for the screens that list invoices and clients.

Each returns a condition (an `Exists` on the outer invoice or client) to filter or count by
in one query, so the dashboard's counts and the lists they link to always agree.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef

from clients.models import Provider
from invoices.models import Payout

from .models import AWAITING_VALIDATION, CONTESTED, FAILED, PaymentRequest

# The avance immédiate situations a provider follows, by the key the dashboard uses.
TO_VALIDATE = "to_validate"
CONTESTED_BY_CLIENT = "contested"
REQUEST_FAILED = "failed"
LATE_PAYOUT = "late_payouts"


def invoice_follow_up(now: datetime) -> dict[str, Exists]:
    """Return, per avance immédiate situation, whether the outer invoice is in it.

    Waiting for the client's validation, contested, failed (refused at sending or unpaid), and
    paid by URSSAF but not yet paid out to the provider past the target date.
    """
    requests = PaymentRequest.objects.filter(invoice=OuterRef("pk"))
    return {
        TO_VALIDATE: Exists(requests.filter(AWAITING_VALIDATION)),
        CONTESTED_BY_CLIENT: Exists(requests.filter(CONTESTED)),
        REQUEST_FAILED: Exists(requests.filter(FAILED)),
        LATE_PAYOUT: Exists(Payout.objects.late(now).filter(invoice=OuterRef("pk"))),
    }


def client_has_request_to_validate(provider: Provider) -> Exists:
    """Return whether the outer client has one of `provider`'s invoices to validate at URSSAF."""
    return Exists(
        PaymentRequest.objects.awaiting_validation().filter(
            invoice__client=OuterRef("pk"), invoice__provider=provider
        )
    )
