"""The client's side of billing: their invoices (never drafts) and one invoice's detail."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Case, DecimalField, F, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clients.access import client_required
from invoices.models import Invoice, InvoiceStatus
from urssaf.payments.selectors import ai_split, invoice_context, urssaf_pays
from urssaf.payments.timeline import payment_timeline

INVOICES_PER_PAGE = 25


def _client_invoices(request: HttpRequest):
    # for_user() already hides drafts from clients; every lookup below starts from it.
    return Invoice.objects.for_user(request.user)


def _get_invoice_for_client(request: HttpRequest, code) -> Invoice:
    return get_object_or_404(
        _client_invoices(request).select_related("cooperative", "provider", "client"), code=code
    )


@require_GET
@client_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    """List the client's invoices with their amounts, what was paid and what remains due.

    On an invoice URSSAF pays (avance immédiate), what remains is split into the client's
    share and the immediate tax credit: she never reads that she owes the whole amount.
    """
    invoices = (
        _client_invoices(request)
        .with_parties("provider")
        .with_amount_paid()
        .annotate(
            amount_due=Case(
                When(status=InvoiceStatus.CANCELLED, then=Value(Decimal("0.00"))),
                default=F("total_ttc") - F("amount_paid_total"),
                output_field=DecimalField(max_digits=10, decimal_places=2),
            ),
            urssaf_pays=urssaf_pays(),
        )
        .order_by("-issue_date", "-sequence")
    )
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    for invoice in page:
        invoice.ai_split = ai_split(invoice, invoice.amount_due, urssaf_pays=invoice.urssaf_pays)
    unpaid = (
        _client_invoices(request)
        .unpaid()
        .with_amount_paid()
        .annotate(urssaf_pays=urssaf_pays())
        .only("total_ttc")
    )
    outstanding = credit = Decimal("0.00")
    for invoice in unpaid:
        due = invoice.total_ttc - invoice.amount_paid_total
        split = ai_split(invoice, due, urssaf_pays=invoice.urssaf_pays)
        outstanding += due
        credit += split.credit if split else Decimal("0.00")
    return render(
        request,
        "portal/invoice_list.html",
        {
            "page": page,
            "outstanding": outstanding,
            "outstanding_credit": credit,
            "outstanding_share": outstanding - credit,
        },
    )


@require_GET
@client_required
def invoice_detail(request: HttpRequest, code) -> HttpResponse:
    """Show one of the client's invoices: lines, totals and the payments received."""
    invoice = _get_invoice_for_client(request, code)
    context = invoice_context(invoice)
    context["timeline"] = payment_timeline(invoice, timezone.now(), for_client=True)
    return render(request, "portal/invoice_detail.html", context)
