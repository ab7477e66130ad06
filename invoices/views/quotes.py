"""Quotes (devis): the provider's screens and the client's list; the PDF is in pdf.py.

Every lookup is owner-scoped (Quote.objects.for_user); writes go through invoices.services.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clients.access import client_required, provider_required

from .. import services
from ..forms import QuoteForm, QuoteLineFormSet
from ..models import Quote
from ..printing import quote_document_context
from .documents import DocumentScreens, document_notices, draft_views, get_document, run_service

QUOTES_PER_PAGE = 25
ANSWERS = ("accepted", "declined")

QUOTES = DocumentScreens(
    model=Quote,
    form=QuoteForm,
    formset=QuoteLineFormSet,
    create=services.quote_create_draft,
    update=services.quote_update_draft,
    template="provider/quote_form.html",
    detail="provider:quote_detail",
    related=("invoice",),
    created="Devis enregistré : relisez-le puis envoyez-le.",
    saved="Devis enregistré.",
)
quote_create, quote_edit = draft_views(QUOTES)


# --- the provider --------------------------------------------------------------------------


@provider_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = Quote.objects.for_user(request.user).select_related("client", "invoice")
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "provider/quote_list.html", {"page": page})


@provider_required
@require_GET
def quote_detail(request: HttpRequest, code) -> HttpResponse:
    quote = get_document(request, Quote, code, *QUOTES.related)
    context = quote_document_context(quote)
    context["rule_notices"] = document_notices(quote, context["lines"])
    return render(request, "provider/quote_detail.html", context)


@provider_required
@require_POST
def quote_send(request: HttpRequest, code) -> HttpResponse:
    success = "Devis envoyé : le client le voit dans son espace."
    return run_service(
        request,
        QUOTES,
        code,
        services.quote_send,
        success,
        repeat=lambda quote: None if quote.is_draft else quote,
        by=request.user,
    )


@provider_required
@require_POST
def quote_delete(request: HttpRequest, code) -> HttpResponse:
    return run_service(
        request, QUOTES, code, services.quote_delete_draft, "Devis supprimé.", "provider:quote_list"
    )


@provider_required
@require_POST
def quote_answer(request: HttpRequest, code) -> HttpResponse:
    if request.POST.get("answer") not in ANSWERS:
        messages.error(request, "Indiquez si le client a accepté ou refusé le devis.")
        return redirect(QUOTES.detail, code=get_document(request, Quote, code).code)
    accepted = request.POST["answer"] == "accepted"
    success = "Accord du client enregistré." if accepted else "Refus du client enregistré."
    return run_service(
        request,
        QUOTES,
        code,
        services.quote_record_answer,
        success,
        repeat=lambda quote: quote if quote.status == request.POST["answer"] else None,
        accepted=accepted,
        by=request.user,
    )


@provider_required
@require_POST
def quote_invoice(request: HttpRequest, code) -> HttpResponse:
    return run_service(
        request,
        QUOTES,
        code,
        services.quote_invoice,
        "Brouillon de facture créé d'après le devis : ajustez les dates réelles puis émettez-le.",
        "provider:invoice_edit",
        repeat=lambda quote: quote.invoice if quote.invoice_id else None,
        by=request.user,
    )


# --- the client ----------------------------------------------------------------------------


@client_required
@require_GET
def portal_quote_list(request: HttpRequest) -> HttpResponse:
    quotes = Quote.objects.for_user(request.user).select_related("provider")
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/quote_list.html", {"page": page})
