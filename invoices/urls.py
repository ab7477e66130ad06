"""Routes shared by every role (owner-scoped): the invoice PDF, the URSSAF follow-up refresh."""

from django.urls import path

from .views import pdf, provider

app_name = "invoices"

urlpatterns = [
    path("<uuid:code>/pdf/", pdf.invoice_pdf, name="pdf"),
    path(
        "<uuid:code>/urssaf/actualiser/",
        provider.payment_request_refresh_view,
        name="payment_request_refresh",
    ),
]
