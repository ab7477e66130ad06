"""When URSSAF requires a financial guarantee before paying, said once (décret 2024-1161).

Since 1 January 2026 URSSAF checks that a cooperative whose avance immédiate invoices pass
THRESHOLD (TTC, per calendar year) holds a valid financial guarantee; acomptes under the avance
immédiate need one from the first euro. A payment request needs the guarantee when its invoice
carries an acompte, or when the year's running total up to and including it passes the
threshold. The year is the invoice's issue year; the running total follows the issue order,
so a request's answer does not depend on invoices issued after it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import cast

from django.db.models import Exists, Max, OuterRef, Q, Sum

from invoices.models import Invoice, InvoiceStatus

from ..payments.models import PaymentRequest, RequestState
from .figures import ALERT_LEVELS, THRESHOLD
from .models import FinancialGuarantee

# An invoice counts in the year's avance immédiate total while URSSAF is or will be asked to
# pay it: not once abandoned (paid by other means) or replaced by a corrected invoice.
NOT_COUNTED_STATES = (RequestState.CANCELLED, RequestState.SUPERSEDED)

DEPOSIT = "deposit"
OVER_THRESHOLD = "threshold"


@dataclass(frozen=True)
class YearStatus:
    """The year's avance immédiate total against the threshold, for staff screens."""

    year: int
    total: Decimal
    threshold: Decimal
    guarantee: FinancialGuarantee | None

    @property
    def percent(self) -> Decimal:
        """The share of the threshold reached, rounded down to a tenth, for display only."""
        return (self.total * 100 / self.threshold).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def level(self) -> int:
        """The highest alert level reached (0 when none), compared to the cent."""
        reached = (level for level in ALERT_LEVELS if self.total * 100 >= self.threshold * level)
        return max(reached, default=0)

    @property
    def required(self) -> bool:
        return self.total > self.threshold


def counted_ai_invoices(year: int):
    """Invoices of `year` that count in the avance immédiate total."""
    counted = PaymentRequest.objects.filter(invoice=OuterRef("pk")).exclude(
        state__in=NOT_COUNTED_STATES
    )
    return (
        Invoice.objects.filter(issue_date__year=year)
        .exclude(status=InvoiceStatus.CANCELLED)
        .filter(Exists(counted))
    )


def year_total(year: int) -> Decimal:
    """Return the TTC total of the year's avance immédiate invoices."""
    total = counted_ai_invoices(year).aggregate(total=Sum("total_ttc"))["total"]
    return total or Decimal("0.00")


def running_total(invoice: Invoice) -> Decimal:
    """Return the year's avance immédiate total up to and including `invoice` (issue order)."""
    before = Q(issued_at__lt=invoice.issued_at) | Q(issued_at=invoice.issued_at, pk__lt=invoice.pk)
    earlier = (
        # Issued, hence dated (constraint invoice_issued_has_number).
        counted_ai_invoices(cast(dt.date, invoice.issue_date).year)
        .filter(before)
        .exclude(pk=invoice.pk)
        .aggregate(total=Sum("total_ttc"))["total"]
    )
    return (earlier or Decimal("0.00")) + invoice.total_ttc


def guarantee_reason(invoice: Invoice) -> str:
    """Return why this invoice's payment request needs a guarantee ("" when it does not)."""
    if invoice.deposit_amount > 0:
        return DEPOSIT
    if running_total(invoice) > THRESHOLD:
        return OVER_THRESHOLD
    return ""


def valid_guarantee(day: dt.date) -> FinancialGuarantee | None:
    """Return a guarantee in force on `day`, the one that lasts longest; None without one."""
    return FinancialGuarantee.objects.valid_on(day).order_by("-valid_to", "-pk").first()


def valid_guarantee_changed_at(day: dt.date):
    """Return when a guarantee in force on `day` was last recorded or changed; None without."""
    return FinancialGuarantee.objects.valid_on(day).aggregate(latest=Max("updated_at"))["latest"]


def hold_reason(invoice: Invoice, day: dt.date) -> str:
    """Return why the request must be held on `day` ("" when it may be sent)."""
    reason = guarantee_reason(invoice)
    if reason and valid_guarantee(day) is None:
        return reason
    return ""


def year_status(year: int, day: dt.date) -> YearStatus:
    return YearStatus(
        year=year, total=year_total(year), threshold=THRESHOLD, guarantee=valid_guarantee(day)
    )
