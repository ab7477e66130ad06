"""Billing documents as documents: the PDF every role downloads and the figures the pages show.

The page and the PDF of a document take their figures from the same context, so they never
disagree.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoices.models import CreditNote, Invoice, Quote
from invoices.pdf_cache import render_pdf_cached
from invoices.printing import (
    credit_note_document_context,
    quote_document_context,
)
from urssaf.payments.selectors import invoice_context

from .documents import get_document

logger = logging.getLogger(__name__)


def _pdf_response(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    document = context["document"]
    pdf = render_pdf_cached(template, context)
    logger.info(
        "%s PDF %s rendered for user %s", type(document).__name__, document.pk, request.user.pk
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.pdf_filename}"'
    return response


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download the invoice PDF: a provider's own, a client's issued ones, any for staff."""
    invoice = get_document(request, Invoice, code)
    return _pdf_response(request, "pdf/invoice.html", invoice_context(invoice))


@require_GET
@login_required
def quote_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download the quote PDF: a provider's own, a client's sent ones, any for staff."""
    quote = get_document(request, Quote, code)
    return _pdf_response(request, "pdf/quote.html", quote_document_context(quote))


@require_GET
@login_required
def credit_note_pdf(request: HttpRequest, code) -> HttpResponse:
    """Download a credit note PDF: a provider's own, a client's, any for staff."""
    credit_note = get_document(request, CreditNote, code, "invoice")
    return _pdf_response(request, "pdf/credit_note.html", credit_note_document_context(credit_note))
