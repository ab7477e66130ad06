"""The provider's dashboard and invoice screens. Every lookup is owner-scoped; writes go
through invoices.services (urssaf.payments.services where URSSAF may pay the invoice), whose
French ValidationError messages are shown on the page."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import AuthenticatedHttpRequest, provider_required
from clients.forms import add_service_errors
from clients.models import Provider
from urssaf.payments import selectors
from urssaf.payments import services as urssaf_services
from urssaf.payments.timeline import latest_request, payment_timeline

from .. import selectors as invoice_selectors
from .. import services
from ..forms import FollowUp, InvoiceFilterForm, InvoiceForm, LineFormSet, PaymentForm
from ..models import Invoice, InvoiceStatus, Payment, PaymentMode
from ..templatetags.fr_format import euros, month_fr
from .documents import (
    DocumentScreens,
    document_notices,
    draft_views,
    flash_once,
    get_document,
    run_service,
)
from .prepared import PreparedRow

INVOICES_PER_PAGE = 25
RECENT_INVOICES = 5


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
invoice_create, invoice_edit = draft_views(INVOICES)


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first day of `day`'s month and the first day of the next month."""
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def _figures_query(provider: int, start: dt.date, end: dt.date, now: dt.datetime):
    return Provider.objects.filter(pk=provider).values(
        **invoice_selectors.provider_month_figures(start, end),
        **selectors.provider_follow_up_counts(now),
    )


def _sample_arguments(day: int) -> dict:
    """Arguments to compile the figures for, each unlike the others and the other sample's."""
    return {
        "provider": -day,
        "start": dt.date(2000, 1, day),
        "end": dt.date(2000, 2, day),
        "now": dt.datetime(2000, 3, day, tzinfo=dt.UTC),
    }


# Compiled once per process: the ORM takes longer to build this query than PostgreSQL to run it.
FIGURES = PreparedRow(_figures_query, (_sample_arguments(1), _sample_arguments(2)))


def _dashboard_figures(provider: Provider, today: dt.date) -> tuple[dict, dict, Decimal]:
    """Return the month's figures, the avance immédiate follow-up counts and the payouts due.

    One query whatever the number of invoices: each figure is a subquery over the rows it sums.
    """
    start, end = _month_bounds(today)
    row = FIGURES.get(provider=provider.pk, start=start, end=end, now=timezone.now())
    follow_up = {key: row[key] for key in FOLLOW_UP_FILTERS.values()}
    return (
        {
            "month": start,
            "issued_count": row["issued_count"],
            "issued_amount": row["issued_amount"],
            "paid_amount": row["paid_amount"],
            "unpaid_count": row["unpaid_count"],
            "unpaid_amount": row["unpaid_amount"],
        },
        follow_up,
        row["payouts_due"],
    )


# The invoice list's "avance immédiate" filter: the situation each dashboard link shows.
FOLLOW_UP_FILTERS: dict[str, str] = {
    FollowUp.TO_VALIDATE: selectors.TO_VALIDATE,
    FollowUp.CONTESTED: selectors.CONTESTED_BY_CLIENT,
    FollowUp.FAILED: selectors.REQUEST_FAILED,
    FollowUp.LATE_PAYOUT: selectors.LATE_PAYOUT,
}


def _invoices(count: int, *words: str) -> str:
    """`3 factures émises`: the count and its words, plural unless it is 1 (as |pluralize)."""
    plural = "s" if count != 1 else ""
    return " ".join([str(count), *(f"{word}{plural}" for word in ("facture", *words))])


def _kpi_cards(figures: dict) -> list[dict]:
    """The dashboard's three cards of the month: a heading, an amount, and a line under it."""
    month = month_fr(figures["month"])
    unpaid_url = reverse("provider:invoice_list") + f"?status={InvoiceStatus.ISSUED}"
    return [
        {
            "title": f"Émises en {month}",
            "kpi": "issued-amount",
            "amount": figures["issued_amount"],
            "detail": _invoices(figures["issued_count"]),
            "detail_kpi": "issued-count",
        },
        {
            "title": f"Encaissé en {month}",
            "kpi": "paid-amount",
            "amount": figures["paid_amount"],
            "detail": "Paiements reçus ce mois-ci",
        },
        {
            "title": "Reste à encaisser",
            "kpi": "unpaid-amount",
            "amount": figures["unpaid_amount"],
            "detail": _invoices(figures["unpaid_count"], "émise", "non soldée"),
            "detail_kpi": "unpaid-count",
            "url": unpaid_url,
        },
    ]


@provider_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    recent = (
        Invoice.objects.for_user(request.user)
        .with_parties("client")
        .with_amount_paid()
        .order_by("-created_at", "-pk")[:RECENT_INVOICES]
    )
    figures, follow_up, payouts_due = _dashboard_figures(
        request.user.provider, timezone.localdate()
    )
    context = {
        "figures": figures,
        "kpi_cards": _kpi_cards(figures),
        "follow_up": follow_up,
        "payouts_due": payouts_due,
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
        .with_parties("client")
        .with_amount_paid()
        .with_before_ai_activation()
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
@require_GET
def invoice_detail(request: HttpRequest, code) -> HttpResponse:
    invoice = get_document(request, Invoice, code)
    # The same figures as the PDF, so the page and the document never disagree.
    context = selectors.invoice_context(invoice)
    context["timeline"] = payment_timeline(invoice, timezone.now())
    context["urssaf_refusal"] = urssaf_services.ordinary_payment_refusal(invoice)
    context["can_correct"] = invoice.status in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.PAID,
    ) and not urssaf_services.correction_refusal(invoice)
    context["rule_notices"] = document_notices(invoice, context["lines"])
    context["lines_before_activation"] = urssaf_services.lines_before_activation(invoice)
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
    return run_service(request, INVOICES, code, issue, success, repeat=_issued, by=request.user)


def _issued(invoice: Invoice) -> Invoice | None:
    return None if invoice.is_draft or invoice.is_cancelled else invoice


@provider_required
@require_POST
def invoice_issue_outside_ai(request: HttpRequest, code) -> HttpResponse:
    """Issue an avance immédiate client's draft to be paid directly, for the reason typed."""
    success = "Facture n° {result.number} émise, à régler hors avance immédiate."
    issue = urssaf_services.invoice_issue_outside_ai
    reason = request.POST.get("reason", "")
    return run_service(request, INVOICES, code, issue, success, by=request.user, reason=reason)


@provider_required
@require_POST
def invoice_split_at_activation(request: HttpRequest, code) -> HttpResponse:
    """Move the services before the client's activation to a draft of their own."""
    success = "Prestations antérieures à l'activation déplacées dans un brouillon à part."
    split = urssaf_services.invoice_split_at_activation
    return run_service(
        request, INVOICES, code, split, success, then="provider:invoice_detail", by=request.user
    )


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
    return run_service(
        request,
        INVOICES,
        code,
        cancel,
        success,
        repeat=lambda invoice: invoice if invoice.is_cancelled else None,
        by=request.user,
    )


@provider_required
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest, code) -> HttpResponse:
    invoice = get_document(request, Invoice, code)
    repeated = _repeated_payment(request, invoice) if request.method == "POST" else None
    if repeated is not None:
        flash_once(request, messages.SUCCESS, f"Paiement de {euros(repeated.amount)} enregistré.")
        return redirect("provider:invoice_detail", code=invoice.code)
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


# Long enough for a double click on a slow connection, too short to swallow a second payment.
REPEAT_WINDOW = dt.timedelta(seconds=60)


def _repeated_payment(request: HttpRequest, invoice: Invoice) -> Payment | None:
    """The payment this very form recorded a moment ago (a double click, a resent form).

    Without it, the second click would meet "already paid" or "more than what is due".
    """
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return None
    return (
        invoice.payments.effective()
        .filter(
            recorded_by=request.user,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
            **form.cleaned_data,
        )
        .last()
    )
