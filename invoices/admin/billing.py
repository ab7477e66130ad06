"""Admin for invoices, lines, payments, invoice numbering and the SAP natures.

Invoices and payments are written by `invoices.services` only (numbering, totals, status
changes): here they are read-only, and issuing or cancelling runs the service from an action
(through urssaf.payments.services, which sends or protects what URSSAF pays).
"""

from typing import ClassVar

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from clients.access import AuthenticatedHttpRequest
from clients.admin.french import FrenchTitles, LabelledTabularInline
from clients.admin.sensitive import SensitiveLookupsRefused
from invoices.models import (
    BillingDocument,
    CreditNote,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    ServiceLine,
    ServiceNature,
)
from invoices.templatetags.fr_format import euros
from urssaf.evidence import services as evidence_services
from urssaf.models import EvidencePack
from urssaf.payments import services as urssaf_services

from .columns import euros_column

# The columns every billing document and line shows alike.
PERIOD = ("period_start", "period_end")
TOTALS = ("total_ht", "total_tva", "total_ttc")


class WrittenByServices:
    """Rows only the services create: staff never add or delete them (they act through
    actions, which call the services)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnly(WrittenByServices):
    """Rows only the services write: staff see them, never add, change or delete them."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, LabelledTabularInline):
    extra = 0
    can_delete = False


class BillingDocumentAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    """What the admin of every kind of billing document shows alike."""

    pdf_url_name: str  # the route of the kind's PDF, which takes the document's code
    list_select_related: ClassVar[tuple[str, ...]] = ("provider", "client")
    list_filter = ("status", "issue_date", "provider")
    search_fields = (
        "number",
        "client__birth_name",
        "client__usage_name",
        "client__email",
        "provider__last_name",
        "provider__trade_name",
        "provider__worker_reference",
    )

    @admin.display(description="PDF")
    def pdf_link(self, obj: BillingDocument) -> str:
        if obj.pk is None:
            return "—"
        url = reverse(self.pdf_url_name, kwargs={"code": obj.code})
        return format_html('<a href="{}">Télécharger le PDF</a>', url)


class InvoiceLineInline(ReadOnlyInline):
    model: type[ServiceLine] = InvoiceLine  # any kind's lines (the quotes' and credit notes' too)
    fields = (
        "service_date",
        "nature",
        "description",
        "quantity",
        "unit",
        "unit_price_ttc",
        "vat_rate",
        *TOTALS,
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
class InvoiceAdmin(BillingDocumentAdmin):
    pdf_url_name = "invoices:pdf"
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
    date_hierarchy = "issue_date"
    inlines = (InvoiceLineInline, PaymentInline)
    actions = ("issue_drafts", "cancel_invoices", "request_evidence_packs")
    fieldsets = (
        (None, {"fields": ("number", "status", "issue_date", "pdf_link", "corrections")}),
        ("Parties", {"fields": ("cooperative", "provider", "client")}),
        ("Prestations", {"fields": (*PERIOD, "notes")}),
        ("Montants", {"fields": (*TOTALS, "amount_paid_display")}),
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
        "corrections",
        "cooperative",
        "provider",
        "client",
        *PERIOD,
        *TOTALS,
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

    @admin.display(description="corrections")
    def corrections(self, obj: Invoice) -> str:
        """The credit note, the invoice replaced or replacing, or the guided correction's link."""
        if obj.pk is None:
            return "—"
        parts = []
        if obj.replaces is not None:
            url = reverse("admin:invoices_invoice_change", args=[obj.replaces_id])
            parts.append(format_html('remplace <a href="{}">{}</a>', url, obj.replaces.number))
        credit_note = CreditNote.objects.filter(invoice=obj).first()
        if credit_note is not None:
            url = reverse("admin:invoices_creditnote_change", args=[credit_note.pk])
            parts.append(format_html('annulée par l\'avoir <a href="{}">{}</a>', url, credit_note))
        replacement = Invoice.objects.filter(replaces=obj).first()
        if replacement is not None:
            url = reverse("admin:invoices_invoice_change", args=[replacement.pk])
            parts.append(format_html('remplacée par <a href="{}">{}</a>', url, replacement))
        elif obj.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
            url = reverse("invoices:correct", args=[obj.code])
            parts.append(format_html('<a href="{}">Corriger (avoir et nouvelle facture)</a>', url))
        return format_html_join(" ; ", "{}", ((part,) for part in parts)) if parts else "—"

    total_ttc_display = euros_column("total_ttc", "total TTC")

    @admin.display(description="déjà réglé", ordering="amount_paid_total")
    def amount_paid_display(self, obj: Invoice) -> str:
        return euros(obj.amount_paid_total)  # type: ignore[attr-defined]  # get_queryset annotates it

    @admin.action(description="Émettre les brouillons sélectionnés", permissions=["change"])
    def issue_drafts(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        issue = urssaf_services.invoice_issue_and_submit
        skipped = "ne sont pas des brouillons"
        self._run_service(request, queryset, InvoiceStatus.DRAFT, issue, skipped, "émise(s)")

    @admin.action(
        description="Annuler les factures émises sélectionnées (sans paiement)",
        permissions=["change"],
    )
    def cancel_invoices(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        cancel = urssaf_services.invoice_cancel_unless_at_urssaf
        skipped = "ne sont pas émises"
        self._run_service(request, queryset, InvoiceStatus.ISSUED, cancel, skipped, "annulée(s)")

    @admin.action(description="Préparer le dossier de preuves URSSAF", permissions=["view"])
    def request_evidence_packs(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Invoice]
    ) -> None:
        """One evidence pack per issued invoice selected (built in the background)."""
        count = 0
        for invoice in queryset.exclude(status=InvoiceStatus.DRAFT):
            pack = EvidencePack(invoice=invoice)
            evidence_services.evidence_pack_submit(pack=pack, by=request.user)
            count += 1
        if count:
            url = reverse("admin:urssaf_evidencepack_changelist")
            message = '{} dossier(s) en préparation : <a href="{}">suivre leur avancement</a>.'
            self.message_user(request, format_html(message, count, url), messages.SUCCESS)
        else:
            self.message_user(request, "Aucune facture émise dans la sélection.", messages.WARNING)

    def _run_service(self, request, queryset, status: str, service, skipped: str, done: str):
        """Run the service on the selected invoices in `status`, each in its own transaction;
        report the others (`skipped`: why), each refusal, and how many were `done`.

        Oldest first, so that issued numbers follow the order the drafts were written in.
        """
        invoices = list(queryset.filter(status=status).order_by("created_at", "pk"))
        if left := queryset.count() - len(invoices):
            self.message_user(
                request, f"{left} facture(s) ignorée(s) : elles {skipped}.", messages.WARNING
            )
        succeeded = 0
        for invoice in invoices:
            try:
                service(invoice=invoice, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{invoice} : {' '.join(exc.messages)}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{succeeded} facture(s) {done}.", messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(FrenchTitles, SensitiveLookupsRefused, ReadOnly, admin.ModelAdmin):
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

    @admin.display(description="client", ordering="invoice__client__birth_name")
    def client(self, obj: Payment) -> str:
        return str(obj.invoice.client)

    amount_display = euros_column("amount", "montant")

    @admin.display(description="retenu pour l'attestation", boolean=True)
    def tax_justified(self, obj: Payment) -> bool:
        return obj.is_tax_justified


@admin.register(ServiceNature)
class ServiceNatureAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
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


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(FrenchTitles, SensitiveLookupsRefused, ReadOnly, admin.ModelAdmin):
    """Shown for audit; only numbering a document moves a sequence, or a series would get
    gaps."""

    list_display = ("year", "kind_name", "cooperative", "last_value")
    list_select_related = ("cooperative",)
    list_filter = ("kind", "year")

    @admin.display(description="type de document", ordering="kind")
    def kind_name(self, obj: DocumentSequence) -> str:
        return apps.get_model("invoices", obj.kind)._meta.verbose_name
