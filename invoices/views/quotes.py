"""Quotes (devis): the provider's screens, the client's list, and the PDF both download.

Every lookup is owner-scoped (Quote.objects.for_user); writes go through invoices.services.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import client_required, provider_required
from clients.forms import add_service_errors

from .. import services
from ..forms import LINES_PREFIX, QuoteForm, QuoteLineFormSet, lines_initial
from ..models import Quote
from ..pdf_cache import render_pdf_cached
from .pdf import quote_document_context
from .provider import bind_document_forms, preselected_client

logger = logging.getLogger(__name__)

QUOTES_PER_PAGE = 25
ANSWERS = ("accepted", "declined")


def _get_quote(request: HttpRequest, code) -> Quote:
    """Return a quote the user may see; anyone else's is a 404, like a missing one."""
    return get_object_or_404(
        Quote.objects.for_user(request.user).select_related(
            "client", "cooperative", "provider", "invoice"
        ),
        code=code,
    )


def _header_data(form) -> dict:
    return {
        "period_start": form.cleaned_data["period_start"],
        "period_end": form.cleaned_data["period_end"],
        "notes": form.cleaned_data["notes"],
        "valid_until": form.cleaned_data["valid_until"],
    }


# --- the provider --------------------------------------------------------------------------


@provider_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = Quote.objects.for_user(request.user).select_related("client", "invoice")
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "provider/quote_list.html", {"page": page})


@provider_required
@require_http_methods(["GET", "POST"])
def quote_create(request: HttpRequest) -> HttpResponse:
    provider = request.user.provider
    if request.method == "POST":
        form, formset = bind_document_forms(request, provider, QuoteForm, QuoteLineFormSet)
        if form.is_valid() and formset.is_valid():
            try:
                quote = services.quote_create_draft(
                    provider=provider,
                    client=form.cleaned_data["client"],
                    lines=formset.line_data(),
                    **_header_data(form),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Devis enregistré : relisez-le puis envoyez-le.")
                return redirect("provider:quote_detail", code=quote.code)
    else:
        today = timezone.localdate()
        initial = {"period_start": today, "period_end": today}
        initial["client"] = preselected_client(request, provider)
        form = QuoteForm(provider=provider, initial=initial)
        formset = QuoteLineFormSet(prefix=LINES_PREFIX, provider=provider)
    return render(request, "provider/quote_form.html", {"form": form, "formset": formset})


@provider_required
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, code) -> HttpResponse:
    quote = _get_quote(request, code)
    if not quote.is_editable:
        messages.error(request, "Un devis envoyé ne peut plus être modifié.")
        return redirect("provider:quote_detail", code=quote.code)
    provider = request.user.provider
    if request.method == "POST":
        form, formset = bind_document_forms(
            request, provider, QuoteForm, QuoteLineFormSet, with_client=False
        )
        if form.is_valid() and formset.is_valid():
            try:
                services.quote_update_draft(
                    quote=quote, lines=formset.line_data(), **_header_data(form)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Devis enregistré.")
                return redirect("provider:quote_detail", code=quote.code)
    else:
        initial = {
            "period_start": quote.period_start,
            "period_end": quote.period_end,
            "valid_until": quote.valid_until,
            "notes": quote.notes,
        }
        form = QuoteForm(provider=provider, with_client=False, initial=initial)
        formset = QuoteLineFormSet(
            prefix=LINES_PREFIX, provider=provider, initial=lines_initial(quote)
        )
    context = {"form": form, "formset": formset, "quote": quote}
    return render(request, "provider/quote_form.html", context)


@provider_required
@require_GET
def quote_detail(request: HttpRequest, code) -> HttpResponse:
    quote = _get_quote(request, code)
    return render(request, "provider/quote_detail.html", quote_document_context(quote))


def _act(request: HttpRequest, code, action, success: str) -> HttpResponse:
    """Run one service on the quote; show its French refusal, or `success`."""
    quote = _get_quote(request, code)
    try:
        result = action(quote)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("provider:quote_detail", code=quote.code)
    messages.success(request, success)
    return result


@provider_required
@require_POST
def quote_send(request: HttpRequest, code) -> HttpResponse:
    def send(quote):
        sent = services.quote_send(quote=quote, by=request.user)
        return redirect("provider:quote_detail", code=sent.code)

    return _act(request, code, send, "Devis envoyé : le client le voit dans son espace.")


@provider_required
@require_POST
def quote_delete(request: HttpRequest, code) -> HttpResponse:
    def delete(quote):
        services.quote_delete_draft(quote=quote)
        return redirect("provider:quote_list")

    return _act(request, code, delete, "Devis supprimé.")


@provider_required
@require_POST
def quote_answer(request: HttpRequest, code) -> HttpResponse:
    if request.POST.get("answer") not in ANSWERS:
        messages.error(request, "Indiquez si le client a accepté ou refusé le devis.")
        return redirect("provider:quote_detail", code=_get_quote(request, code).code)
    accepted = request.POST["answer"] == "accepted"

    def answer(quote):
        services.quote_record_answer(quote=quote, accepted=accepted, by=request.user)
        return redirect("provider:quote_detail", code=quote.code)

    done = "Accord du client enregistré." if accepted else "Refus du client enregistré."
    return _act(request, code, answer, done)


@provider_required
@require_POST
def quote_invoice(request: HttpRequest, code) -> HttpResponse:
    def invoice(quote):
        draft = services.quote_invoice(quote=quote, by=request.user)
        return redirect("provider:invoice_edit", code=draft.code)

    return _act(
        request,
        code,
        invoice,
        "Brouillon de facture créé d'après le devis : ajustez les dates réelles puis émettez-le.",
    )


# --- the client ----------------------------------------------------------------------------


@client_required
@require_GET
def portal_quote_list(request: HttpRequest) -> HttpResponse:
    quotes = Quote.objects.for_user(request.user).select_related("provider")
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/quote_list.html", {"page": page})


# --- the document ----------------------------------------------------------------------------


@login_required
@require_GET
def quote_pdf(request: HttpRequest, code) -> HttpResponse:
    """The quote as a PDF, for its provider, its client (once sent) and the staff."""
    quote = _get_quote(request, code)
    pdf = render_pdf_cached("pdf/quote.html", quote_document_context(quote))
    name = f"devis-{quote.number or 'brouillon-' + str(quote.code)[:8]}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    logger.info("Quote %s PDF downloaded by user %s", quote.pk, request.user.pk)
    return response
