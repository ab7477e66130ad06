"""Admin for invoices, lines, payments, invoice numbering and the SAP natures.

Invoices and payments are written by `invoices.services` only (numbering, totals, status
changes): here they are read-only, and issuing or cancelling runs the service from an action
(through urssaf.payments.services, which sends or protects what URSSAF pays).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from invoices.models import (
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    ServiceNature,
)
from invoices.templatetags.fr_format import euros
from urssaf.payments import services as urssaf_services


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = (
        "service_date",
        "nature",
        "description",
        "quantity",
        "unit",
        "unit_price_ttc",
        "vat_rate",
        "total_ht",
        "total_tva",
        "total_ttc",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("nature")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "paid_on",
        "mode",
        "amount",
        "client_share",
        "ai_credit_share",
        "reference",
        "tax_justified",
        "recorded_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    @admin.display(description="retenu pour l'attestation", boolean=True)
    def tax_justified(self, obj: Payment) -> bool:
        return obj.is_tax_justified


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "issue_date",
        "provider",
        "client",
        "period_start",
        "period_end",
        "total_ttc_display",
        "amount_paid_display",
    )
    list_select_related = ("provider", "client")
    list_filter = ("status", "issue_date", "provider")
    date_hierarchy = "issue_date"
    search_fields = (
        "number",
        "client__birth_name",
        "client__usage_name",
        "client__email",
        "provider__last_name",
        "provider__trade_name",
        "provider__worker_reference",
    )
    inlines = (InvoiceLineInline, PaymentInline)
    actions = ("issue_drafts", "cancel_invoices")
    fieldsets = (
        (None, {"fields": ("number", "status", "issue_date", "pdf_link")}),
        ("Parties", {"fields": ("cooperative", "provider", "client")}),
        ("Prestations", {"fields": ("period_start", "period_end", "notes")}),
        (
            "Montants",
            {"fields": ("total_ht", "total_tva", "total_ttc", "amount_paid_display")},
        ),
        (
            "Historique",
            {"fields": ("created_at", "issued_at", "paid_at", "cancelled_at", "code")},
        ),
    )
    # Everything but the notes of a draft: numbers, totals and status belong to the services.
    readonly_fields = (
        "number",
        "status",
        "issue_date",
        "pdf_link",
        "cooperative",
        "provider",
        "client",
        "period_start",
        "period_end",
        "total_ht",
        "total_tva",
        "total_ttc",
        "amount_paid_display",
        "created_at",
        "issued_at",
        "paid_at",
        "cancelled_at",
        "code",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_amount_paid()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return (*self.readonly_fields, "notes")
        return self.readonly_fields

    def has_add_permission(self, request) -> bool:
        # Drafts are created by providers through the service, which checks the client and
        # the natures and computes the totals.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # An issued number must stay in the sequence; an issued invoice is cancelled instead.
        return False

    @admin.display(description="total TTC", ordering="total_ttc")
    def total_ttc_display(self, obj: Invoice) -> str:
        return euros(obj.total_ttc)

    @admin.display(description="déjà réglé", ordering="amount_paid_total")
    def amount_paid_display(self, obj: Invoice) -> str:
        return euros(obj.amount_paid_total)

    @admin.display(description="PDF")
    def pdf_link(self, obj: Invoice) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("invoices:pdf", kwargs={"code": obj.code})
        return format_html('<a href="{}">Télécharger le PDF</a>', url)

    @admin.action(description="Émettre les brouillons sélectionnés", permissions=["change"])
    def issue_drafts(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        # Oldest first, so the numbers follow the order in which the drafts were written.
        drafts = list(queryset.filter(status=InvoiceStatus.DRAFT).order_by("created_at", "pk"))
        self._report_skipped(request, queryset.count() - len(drafts), "ne sont pas des brouillons")
        issued = self._run_service(
            request,
            drafts,
            lambda invoice: urssaf_services.invoice_issue_and_submit(
                invoice=invoice, by=request.user
            ),
        )
        if issued:
            self.message_user(request, f"{issued} facture(s) émise(s).", messages.SUCCESS)

    @admin.action(
        description="Annuler les factures émises sélectionnées (sans paiement)",
        permissions=["change"],
    )
    def cancel_invoices(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        issued = list(queryset.filter(status=InvoiceStatus.ISSUED).order_by("created_at", "pk"))
        self._report_skipped(request, queryset.count() - len(issued), "ne sont pas émises")
        cancelled = self._run_service(
            request,
            issued,
            lambda invoice: urssaf_services.invoice_cancel_unless_at_urssaf(
                invoice=invoice, by=request.user
            ),
        )
        if cancelled:
            self.message_user(request, f"{cancelled} facture(s) annulée(s).", messages.SUCCESS)

    def _run_service(self, request, invoices: list[Invoice], run) -> int:
        """Run the service on each invoice in its own transaction; return how many succeeded."""
        succeeded = 0
        for invoice in invoices:
            try:
                run(invoice)
            except ValidationError as exc:
                self.message_user(request, f"{invoice} : {' '.join(exc.messages)}", messages.ERROR)
            else:
                succeeded += 1
        return succeeded

    def _report_skipped(self, request, skipped: int, reason: str) -> None:
        if skipped:
            self.message_user(
                request, f"{skipped} facture(s) ignorée(s) : elles {reason}.", messages.WARNING
            )


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: a payment is recorded through `payment_record`, which also settles the invoice."""

    list_display = (
        "paid_on",
        "invoice",
        "client",
        "mode",
        "amount_display",
        "tax_justified",
        "reference",
    )
    list_select_related = ("invoice", "invoice__client")
    list_filter = ("mode", "paid_on")
    date_hierarchy = "paid_on"
    search_fields = (
        "invoice__number",
        "reference",
        "invoice__client__birth_name",
        "invoice__client__usage_name",
    )
    readonly_fields = ("tax_justified",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="client", ordering="invoice__client__birth_name")
    def client(self, obj: Payment) -> str:
        return str(obj.invoice.client)

    @admin.display(description="montant", ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return euros(obj.amount)

    @admin.display(description="retenu pour l'attestation", boolean=True)
    def tax_justified(self, obj: Payment) -> bool:
        return obj.is_tax_justified


@admin.register(ServiceNature)
class ServiceNatureAdmin(admin.ModelAdmin):
    """The 26 legal activities are data (invoices/data/service_natures.json): no add, no delete."""

    list_display = (
        "short_label",
        "regime",
        "tax_box",
        "default_vat_rate",
        "annual_ceiling",
        "max_hours_per_intervention",
        "urssaf_code_nature",
    )
    list_filter = ("regime",)
    search_fields = ("label", "short_label", "slug", "urssaf_code_nature")
    readonly_fields = ("slug",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(admin.ModelAdmin):
    """Shown for audit; only `invoice_issue` moves a sequence, or numbering would get gaps."""

    list_display = ("year", "cooperative", "last_value")
    list_select_related = ("cooperative",)
    list_filter = ("year",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
