"""Admin for quotes: read-only (providers write them through invoices.services)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from clients.admin.sensitive import SensitiveLookupsRefused
from invoices.models import Quote, QuoteLine

from .billing import InvoiceLineInline


class QuoteLineInline(InvoiceLineInline):
    model = QuoteLine


@admin.register(Quote)
class QuoteAdmin(SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = ("__str__", "status", "issue_date", "valid_until", "provider", "client")
    list_select_related = ("provider", "client")
    list_filter = ("status", "issue_date", "provider")
    search_fields = ("number", "client__birth_name", "client__usage_name", "client__email")
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
        "period_start",
        "period_end",
        "total_ht",
        "total_tva",
        "total_ttc",
        "invoice",
        "notes",
    )
    readonly_fields = fields

    @admin.display(description="PDF")
    def pdf_link(self, obj: Quote) -> str:
        return format_html('<a href="{}">Télécharger</a>', reverse("quotes:pdf", args=[obj.code]))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
