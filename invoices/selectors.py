"""Reusable figures about invoices, computed in SQL for the screens that summarise them.

Each returns expressions on an outer provider (`OuterRef("pk")` of a Provider queryset), so a
screen gathers all its figures in one query, each figure reading only the rows it sums (an
index per figure) instead of every invoice the provider ever issued.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from .models import Invoice, InvoiceStatus, Payment, Payout, Quote

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


def scalar(rows, aggregate, default=0) -> Expression:
    """One figure over `rows`, a queryset filtered on an OuterRef and reduced with `.values()`
    to the column it is grouped by, as a subquery; `default` when there is no row."""
    output = IntegerField() if isinstance(default, int) else MONEY
    subquery = Subquery(rows.annotate(figure=aggregate).values("figure"), output_field=output)
    return Coalesce(subquery, default, output_field=output)


def provider_month_figures(start: dt.date, end: dt.date) -> dict[str, Expression]:
    """The dashboard's figures of the outer provider for the month [start, end).

    issued_count / issued_amount: invoices issued in the month (a cancelled one was never
    owed); unpaid_count / unpaid_amount: issued invoices not yet settled, and what remains due
    on them (their payments looked up per invoice, not summed over all payments); paid_amount:
    payments still standing received in the month; payouts_due: what the cooperative still owes
    the provider.
    """
    invoices = Invoice.objects.filter(provider=OuterRef("pk")).order_by()
    issued = (
        invoices.filter(issue_date__gte=start, issue_date__lt=end)
        .exclude(status=InvoiceStatus.CANCELLED)
        .values("provider")
    )
    unpaid_invoices = invoices.filter(status=InvoiceStatus.ISSUED)
    # Annotated before values(), or the paid amount would become a GROUP BY column.
    unpaid_with_paid = unpaid_invoices.with_amount_paid().values("provider")
    unpaid = unpaid_invoices.values("provider")
    payments = (
        Payment.objects.effective()
        .filter(invoice__provider=OuterRef("pk"))
        .order_by()
        .values("invoice__provider")
    )
    payouts = Payout.objects.due().filter(provider=OuterRef("pk")).order_by().values("provider")
    return {
        "issued_count": scalar(issued, Count("*")),
        "issued_amount": scalar(issued, Sum("total_ttc"), ZERO),
        "unpaid_count": scalar(unpaid, Count("*")),
        "unpaid_amount": scalar(
            unpaid_with_paid, Sum(F("total_ttc") - F("amount_paid_total")), ZERO
        ),
        "paid_amount": scalar(
            payments.filter(paid_on__gte=start, paid_on__lt=end), Sum("amount"), ZERO
        ),
        "payouts_due": scalar(payouts, Sum("amount"), ZERO),
    }


def client_id_for_document(number: str, issued_on: dt.date) -> int | None:
    """Return the id of the client an issued invoice or sent quote with this number and date
    went to, or None. Self-registration (clients/services/accounts.py) asks through this."""
    # Drafts have no number, so only issued invoices and sent quotes can match.
    for model in (Invoice, Quote):
        client_id = (
            model.objects.filter(number=number, issue_date=issued_on)
            .values_list("client_id", flat=True)
            .first()
        )
        if client_id is not None:
            return client_id
    return None
