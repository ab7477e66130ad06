"""The guided correction of an issued invoice, for its provider or the staff.

One page says what will happen (the credit note, the refund, the new draft), asks for the
refund when the client paid, and runs urssaf.payments.services.invoice_correct on confirmation:
it is the confirmation page (the CSP allows no inline script). A second submission finds the
correction made and lands on the same draft.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.access import AuthenticatedHttpRequest
from clients.forms import add_service_errors
from urssaf.payments import services as urssaf_services

from ..forms import CorrectionForm
from ..models import CreditNote, CreditNoteReason, Invoice, Payout, PayoutStatus
from .documents import get_document


def invoice_page_url(user, invoice: Invoice) -> str:
    """Where this user reads an invoice: the provider's page, or its admin page for staff."""
    if user.is_provider:
        return reverse("provider:invoice_detail", args=[invoice.code])
    return reverse("admin:invoices_invoice_change", args=[invoice.pk])


def _payouts_note(invoice: Invoice) -> str:
    payouts = Payout.objects.filter(invoice=invoice).exclude(status=PayoutStatus.CANCELLED)
    if any(p.status == PayoutStatus.PAID for p in payouts):
        return "already_paid"
    return "due" if payouts else ""


@login_required
@require_http_methods(["GET", "POST"])
def invoice_correct(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """Cancel an invoice with a credit note, refund the client, prepare the corrected draft."""
    if not (request.user.is_provider or request.user.is_cooperative_staff):
        raise Http404  # clients see their invoices, but correcting them is not theirs to do
    invoice = get_document(request, Invoice, code)
    replacement = Invoice.objects.filter(replaces=invoice).first()
    if replacement is not None:
        messages.info(request, f"La facture n° {invoice.number} est déjà corrigée : la voici.")
        return redirect(invoice_page_url(request.user, replacement))
    refusal = urssaf_services.correction_refusal(invoice)
    refund = urssaf_services.refund_due(invoice) if not invoice.is_cancelled else 0
    form = CorrectionForm(
        request.POST or None,
        needs_refund=bool(refund),
        initial={"refunded_on": timezone.localdate()},
    )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            draft = urssaf_services.invoice_correct(
                invoice=invoice,
                by=request.user,
                detail=form.cleaned_data["detail"],
                refund=form.refund_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Facture n° {invoice.number} annulée par un avoir. Corrigez ce brouillon puis "
                "émettez-le : il recevra un nouveau numéro.",
            )
            return redirect(invoice_page_url(request.user, draft))
    context = {
        "invoice": invoice,
        "form": form,
        "refusal": refusal,
        "refund": refund,
        "reason": CreditNoteReason(urssaf_services.correction_reason(invoice)).label,
        "credit_note": CreditNote.objects.filter(invoice=invoice).first(),
        "payouts": _payouts_note(invoice),
        "back_url": invoice_page_url(request.user, invoice),
        "is_staff": not request.user.is_provider,
    }
    return render(request, "invoices/invoice_correct.html", context)
