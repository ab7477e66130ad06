"""The client's side of billing: their invoices (never drafts) and one invoice's detail."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clients.access import client_required
from invoices.models import Invoice, InvoiceStatus
from urssaf.payments.timeline import payment_timeline

from .pdf import invoice_document_context

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
    """List the client's invoices with their amounts, what was paid and what remains due."""
    invoices = (
        _client_invoices(request)
        .with_parties("provider")
        .with_amount_paid()
        .annotate(
            amount_due=Case(
                When(status=InvoiceStatus.CANCELLED, then=Value(Decimal("0.00"))),
                default=F("total_ttc") - F("amount_paid_total"),
                output_field=DecimalField(max_digits=10, decimal_places=2),
            )
        )
        .order_by("-issue_date", "-sequence")
    )
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    outstanding = (
        _client_invoices(request)
        .unpaid()
        .with_amount_paid()
        .aggregate(due=Sum(F("total_ttc") - F("amount_paid_total")))["due"]
    )
    return render(
        request,
        "portal/invoice_list.html",
        {"page": page, "outstanding": outstanding or Decimal("0.00")},
    )


@require_GET
@client_required
def invoice_detail(request: HttpRequest, code) -> HttpResponse:
    """Show one of the client's invoices: lines, totals and the payments received."""
    invoice = _get_invoice_for_client(request, code)
    context = invoice_document_context(invoice)
    context["timeline"] = payment_timeline(invoice, timezone.now())
    return render(request, "portal/invoice_detail.html", context)
