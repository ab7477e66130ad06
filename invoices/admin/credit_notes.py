"""Admin for credit notes (avoirs) and refunds: read-only, written by the guided correction."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from invoices.models import CreditNote, CreditNoteLine, Refund

from .billing import BillingDocumentAdmin, InvoiceLineInline, ReadOnly, ReadOnlyInline
from .columns import euros_column


class CreditNoteLineInline(InvoiceLineInline):
    model = CreditNoteLine


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("refunded_on", "mode", "amount", "reference", "recorded_by")
    readonly_fields = fields


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnly, BillingDocumentAdmin):
    pdf_url_name = "invoices:credit_note_pdf"
    list_display = (
        "__str__",
        "issue_date",
        "invoice",
        "provider",
        "client",
        "reason",
        "total_ttc_display",
    )
    list_filter = ("reason", "issue_date", "provider")
    list_select_related = ("provider", "client", "invoice")
    inlines = (CreditNoteLineInline, RefundInline)
    fields = (
        "number",
        "status",
        "issue_date",
        "pdf_link",
        "invoice_link",
        "reason",
        "reason_detail",
        "issued_by",
        "provider",
        "client",
        "period_start",
        "period_end",
        "total_ht",
        "total_tva",
        "total_ttc",
    )
    readonly_fields = fields

    total_ttc_display = euros_column("total_ttc", "total TTC")

    @admin.display(description="facture annulée")
    def invoice_link(self, obj: CreditNote) -> str:
        url = reverse("admin:invoices_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.number)
