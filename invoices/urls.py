"""Routes shared by every role (owner-scoped): the invoice and credit note PDFs, the URSSAF
follow-up refresh, the guided correction (provider and staff)."""

from django.urls import path

from .views import corrections, pdf, provider

app_name = "invoices"

urlpatterns = [
    path("<uuid:code>/pdf/", pdf.invoice_pdf, name="pdf"),
    path("<uuid:code>/corriger/", corrections.invoice_correct, name="correct"),
    path("avoirs/<uuid:code>/pdf/", pdf.credit_note_pdf, name="credit_note_pdf"),
    path(
        "<uuid:code>/urssaf/actualiser/",
        provider.payment_request_refresh_view,
        name="payment_request_refresh",
    ),
]
