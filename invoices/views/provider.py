"""The provider's dashboard and invoice screens. Every lookup is owner-scoped; writes go
through invoices.services (urssaf.payments.services where URSSAF may pay the invoice), whose
French ValidationError messages are shown on the page."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import AuthenticatedHttpRequest, provider_required
from clients.forms import add_service_errors
from clients.models import Provider
from urssaf.payments import selectors
from urssaf.payments import services as urssaf_services
from urssaf.payments.timeline import latest_request, payment_timeline

from .. import services
from ..forms import FollowUp, InvoiceFilterForm, InvoiceForm, LineFormSet, PaymentForm
from ..models import Invoice, InvoiceStatus, Payment, PaymentMode, Payout
from ..templatetags.fr_format import euros
from .documents import DocumentScreens, draft_form, get_document, run_service
from .pdf import invoice_document_context

INVOICES_PER_PAGE = 25
RECENT_INVOICES = 5
ZERO = Decimal("0.00")


INVOICES = DocumentScreens(
    model=Invoice,
    form=InvoiceForm,
    formset=LineFormSet,
    create=services.invoice_create_draft,
    update=services.invoice_update_draft,
    template="provider/invoice_form.html",
    detail="provider:invoice_detail",
    related=(),
    created="Brouillon enregistré : relisez-le puis émettez-le.",
    saved="Brouillon enregistré.",
)


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first day of `day`'s month and the first day of the next month."""
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def _money(field: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(field, filter=condition), ZERO)


def _dashboard_figures(provider: Provider, today: dt.date) -> tuple[dict, dict]:
    """Return the month's figures and the avance immédiate follow-up counts.

    Two queries whatever the number of invoices: conditional aggregates over the invoices,
    then over the payments.
    """
    start, end = _month_bounds(today)
    this_month = Q(issue_date__gte=start, issue_date__lt=end)
    # A cancelled invoice keeps its issue date but was never owed: it is no turnover.
    issued = this_month & ~Q(status=InvoiceStatus.CANCELLED)
    unpaid = Q(status=InvoiceStatus.ISSUED)
    follow_up_conditions = selectors.invoice_follow_up(timezone.now())
    figures = Invoice.objects.filter(provider=provider).aggregate(
        issued_count=Count("pk", filter=issued),
        issued_amount=_money("total_ttc", issued),
        unpaid_count=Count("pk", filter=unpaid),
        unpaid_billed=_money("total_ttc", unpaid),
        **{
            key: Count("pk", filter=Q(condition)) for key, condition in follow_up_conditions.items()
        },
    )
    payments = (
        Payment.objects.effective()
        .filter(invoice__provider=provider)
        .aggregate(
            paid_amount=_money("amount", Q(paid_on__gte=start, paid_on__lt=end)),
            paid_on_unpaid=_money("amount", Q(invoice__status=InvoiceStatus.ISSUED)),
        )
    )
    follow_up = {key: figures.pop(key) for key in follow_up_conditions}
    return {
        "month": start,
        "issued_count": figures["issued_count"],
        "issued_amount": figures["issued_amount"],
        "paid_amount": payments["paid_amount"],
        "unpaid_count": figures["unpaid_count"],
        "unpaid_amount": figures["unpaid_billed"] - payments["paid_on_unpaid"],
    }, follow_up


# The invoice list's "avance immédiate" filter: the situation each dashboard link shows.
FOLLOW_UP_FILTERS: dict[str, str] = {
    FollowUp.TO_VALIDATE: selectors.TO_VALIDATE,
    FollowUp.CONTESTED: selectors.CONTESTED_BY_CLIENT,
    FollowUp.FAILED: selectors.REQUEST_FAILED,
    FollowUp.LATE_PAYOUT: selectors.LATE_PAYOUT,
}


@provider_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = request.user.provider
    recent = (
        Invoice.objects.for_user(request.user)
        .select_related("client")
        .with_amount_paid()
        .order_by("-created_at", "-pk")[:RECENT_INVOICES]
    )
    figures, follow_up = _dashboard_figures(provider, timezone.localdate())
    context = {
        "figures": figures,
        "follow_up": follow_up,
        "payouts_due": Payout.objects.for_provider(provider)
        .due()
        .aggregate(amount=Coalesce(Sum("amount"), ZERO))["amount"],
        "recent_invoices": recent,
    }
    return render(request, "provider/dashboard.html", context)


def _filter_follow_up(invoices, follow_up: str):
    """Keep the invoices in one avance immédiate situation (the dashboard's links)."""
    conditions = selectors.invoice_follow_up(timezone.now())
    return invoices.filter(conditions[FOLLOW_UP_FILTERS[follow_up]])


@provider_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET)
    # An invalid filter is reported on the form and ignored; the valid ones still apply.
    form.is_valid()
    filters = form.cleaned_data
    invoices = (
        Invoice.objects.for_user(request.user)
        .select_related("client")
        .with_amount_paid()
        # Aggregating drops Meta.ordering; the pk breaks ties so pages never overlap.
        .order_by("-created_at", "-pk")
    )
    if filters.get("status"):
        invoices = invoices.filter(status=filters["status"])
    if filters.get("month"):
        start, end = _month_bounds(filters["month"])
        invoices = invoices.filter(period_start__lt=end, period_end__gte=start)
    if filters.get("follow_up"):
        invoices = _filter_follow_up(invoices, filters["follow_up"])
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "provider/invoice_list.html", {"form": form, "page": page})


@provider_required
@require_http_methods(["GET", "POST"])
def invoice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return draft_form(request, INVOICES)


@provider_required
@require_http_methods(["GET", "POST"])
def invoice_edit(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    return draft_form(request, INVOICES, get_document(request, Invoice, code))


@provider_required
@require_GET
def invoice_detail(request: HttpRequest, code) -> HttpResponse:
    invoice = get_document(request, Invoice, code)
    # The same figures as the PDF, so the page and the document never disagree.
    context = invoice_document_context(invoice)
    context["timeline"] = payment_timeline(invoice, timezone.now())
    context["urssaf_refusal"] = urssaf_services.ordinary_payment_refusal(invoice)
    return render(request, "provider/invoice_detail.html", context)


@provider_required
@require_POST
def payment_request_refresh_view(request: HttpRequest, code) -> HttpResponse:
    """Ask URSSAF now where the invoice's payment request stands."""
    invoice = get_document(request, Invoice, code)
    payment_request = latest_request(invoice)
    if payment_request is None:
        messages.error(request, "Cette facture n'a pas de demande de paiement URSSAF.")
    else:
        outcome = urssaf_services.payment_request_refresh(request=payment_request)
        level, message = urssaf_services.REFRESH_MESSAGES[outcome]
        messages.add_message(request, level, message)
    return redirect("provider:invoice_detail", code=invoice.code)


@provider_required
@require_POST
def invoice_issue(request: HttpRequest, code) -> HttpResponse:
    success = "Facture n° {result.number} émise."
    issue = urssaf_services.invoice_issue_and_submit
    return run_service(request, INVOICES, code, issue, success, by=request.user)


@provider_required
@require_POST
def invoice_delete(request: HttpRequest, code) -> HttpResponse:
    return run_service(
        request,
        INVOICES,
        code,
        services.invoice_delete_draft,
        "Brouillon supprimé.",
        "provider:invoice_list",
    )


@provider_required
@require_POST
def invoice_cancel(request: HttpRequest, code) -> HttpResponse:
    success = "Facture n° {result.number} annulée ; son numéro reste pris."
    cancel = urssaf_services.invoice_cancel_unless_at_urssaf
    return run_service(request, INVOICES, code, cancel, success, by=request.user)


@provider_required
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest, code) -> HttpResponse:
    invoice = get_document(request, Invoice, code)
    if not invoice.is_payable:
        messages.error(
            request, "Un paiement ne s'enregistre que sur une facture émise et non soldée."
        )
        return redirect("provider:invoice_detail", code=invoice.code)
    urssaf_refusal = urssaf_services.ordinary_payment_refusal(invoice)
    if urssaf_refusal:
        # Explain on the form's page why nothing can be entered, rather than a bare refusal.
        context = {"invoice": invoice, "urssaf_refusal": urssaf_refusal}
        return render(request, "provider/payment_form.html", context)
    amount_due = invoice.total_ttc - services.amount_paid(invoice)
    form = PaymentForm(
        request.POST or None, initial={"amount": amount_due, "paid_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment = urssaf_services.payment_record_unless_at_urssaf(
                invoice=invoice, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Paiement de {euros(payment.amount)} enregistré.")
            if payment.mode == PaymentMode.CASH:
                messages.warning(
                    request,
                    "Paiement en espèces : il n'est pas un justificatif pour le crédit d'impôt "
                    "et ne figurera pas sur l'attestation fiscale.",
                )
            return redirect("provider:invoice_detail", code=invoice.code)
    context = {"invoice": invoice, "form": form, "amount_due": amount_due}
    return render(request, "provider/payment_form.html", context)
