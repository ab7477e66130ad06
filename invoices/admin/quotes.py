"""Admin for quotes: read-only (providers write them through invoices.services)."""

from django.contrib import admin

from invoices.models import Quote, QuoteLine

from .billing import PERIOD, TOTALS, BillingDocumentAdmin, InvoiceLineInline, ReadOnly


class QuoteLineInline(InvoiceLineInline):
    model = QuoteLine


@admin.register(Quote)
class QuoteAdmin(ReadOnly, BillingDocumentAdmin):
    pdf_url_name = "quotes:pdf"
    list_display = ("__str__", "status", "issue_date", "valid_until", "provider", "client")
    inlines = (QuoteLineInline,)
    fields = (
        "number",
        "status",
        "issue_date",
        "valid_until",
        "answered_at",
        "pdf_link",
        "provider",
        "client",
        *PERIOD,
        *TOTALS,
        "invoice",
        "notes",
    )
    readonly_fields = fields
