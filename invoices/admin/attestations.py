"""Admin for annual tax attestations and the dated tax configuration.

Attestations are stored documents: read-only here, downloadable, regenerated only through the
service (which keeps the old version). Batches are started from a small form linked from their
list, show their progress, and list their failures with a retry action.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from clients.access import AuthenticatedHttpRequest
from clients.admin.downloads import StoredFileDownload
from clients.admin.french import FrenchTitles, LabelledTabularInline
from clients.admin.sensitive import SensitiveLookupsRefused
from clients.models import Client
from invoices import attestations
from invoices.models import (
    Attestation,
    AttestationBatch,
    AttestationBatchItem,
    BatchItemStatus,
    BatchStatus,
    TaxRuleSet,
    TaxSubCeiling,
)

from .billing import ReadOnly, ReadOnlyInline
from .columns import euros_column


class TaxSubCeilingInline(LabelledTabularInline):
    model = TaxSubCeiling
    extra = 0
    fields = ("nature", "annual_cap", "max_hours_per_intervention")


@admin.register(TaxRuleSet)
class TaxRuleSetAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = (
        "label",
        "valid_from",
        "valid_to",
        "credit_rate",
        "base_ceiling",
        "majorated_ceiling_cap",
        "invalidity_ceiling",
    )
    inlines = [TaxSubCeilingInline]
    fieldsets = (
        (None, {"fields": ("label", ("valid_from", "valid_to"))}),
        ("Taux", {"fields": ("credit_rate", "january_advance_rate")}),
        (
            "Plafond global",
            {
                "fields": (
                    "base_ceiling",
                    "majoration_per_person",
                    "majoration_shared_custody",
                    "majorated_ceiling_cap",
                    "invalidity_ceiling",
                )
            },
        ),
    )


@admin.register(Attestation)
class AttestationAdmin(
    FrenchTitles, ReadOnly, SensitiveLookupsRefused, StoredFileDownload, admin.ModelAdmin
):
    list_display = (
        "reference",
        "client",
        "year",
        "version",
        "total_paid_display",
        "client_paid_display",
        "generated_at",
        "emailed_at",
        "download_link",
    )
    list_filter = ("year",)
    search_fields = ("reference", "client__birth_name", "client__usage_name", "client__email")
    list_select_related = ("client",)
    readonly_fields = (
        "reference",
        "client",
        "year",
        "version",
        "total_paid",
        "client_paid",
        "generated_at",
        "emailed_at",
        "batch",
        "download_link",
        "figures",
    )
    exclude = ("file",)
    actions = ["regenerate"]

    download_route = "pdf/"

    def serve_file(self, request: HttpRequest, pk: int) -> FileResponse:
        attestation = get_object_or_404(Attestation, pk=pk)
        return FileResponse(
            attestation.file.open("rb"),
            filename=f"{attestation.reference}.pdf",
            content_type="application/pdf",
        )

    total_paid_display = euros_column("total_paid", "total payé", sortable=False)

    client_paid_display = euros_column("client_paid", "payé par le client", sortable=False)

    @admin.display(description="PDF")
    def download_link(self, obj: Attestation) -> str:
        url = reverse("admin:invoices_attestation_download", args=[obj.pk])
        return format_html('<a href="{}">Télécharger</a>', url)

    @admin.action(description="Régénérer (nouvelle version si les montants ont changé)")
    def regenerate(self, request: HttpRequest, queryset: QuerySet[Attestation]) -> None:
        pairs = set(queryset.values_list("client_id", "year"))
        created = 0
        for client_id, year in sorted(pairs):
            try:
                _, is_new = attestations.attestation_generate(
                    client=Client(pk=client_id), year=year
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            created += int(is_new)
        self.message_user(
            request,
            f"{created} nouvelle(s) version(s) ; {len(pairs) - created} inchangée(s) ou en échec.",
            messages.SUCCESS,
        )


class FailedItemInline(ReadOnlyInline, LabelledTabularInline):
    model = AttestationBatchItem
    verbose_name = "échec"
    verbose_name_plural = "échecs (à relancer)"
    fields = ("client", "reason", "attempts", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("client")
        return queryset.filter(status=BatchItemStatus.FAILED)


BATCH_START_EXPLANATION = (
    "La génération établit l'attestation de chaque client ayant payé des sommes attestables dans "
    "l'année (hors espèces), une tâche par client. Un client dont l'attestation existe déjà avec "
    "les mêmes montants est laissé tel quel ; si ses montants ont changé (correction), une "
    "nouvelle version est créée et l'ancienne conservée. Chaque client est prévenu par e-mail une "
    "fois par version.",
    "Les attestations sont dues avant le 31 mars. La progression et les échecs s'affichent dans "
    "la liste des générations.",
)


class BatchStartForm(forms.Form):
    year = forms.IntegerField(label="Année des paiements", min_value=2017)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year >= timezone.localdate().year:
            raise ValidationError("L'année doit être terminée pour établir ses attestations.")
        return year


@admin.register(AttestationBatch)
class AttestationBatchAdmin(FrenchTitles, ReadOnly, SensitiveLookupsRefused, admin.ModelAdmin):
    change_list_template = "attestations/admin_batch_change_list.html"
    list_display = (
        "year",
        "outcome",
        "progress",
        "failed",
        "created",
        "started_by",
        "started_at",
        "finished_at",
    )
    list_filter = ("year", "status")
    readonly_fields = (
        "year",
        "outcome",
        "progress",
        "total",
        "done",
        "failed",
        "created",
        "started_by",
        "started_at",
        "finished_at",
    )
    inlines = [FailedItemInline]
    actions = ["retry_failures"]

    def get_urls(self):
        start = self.admin_site.admin_view(self.start_view)
        return [
            path("generer/", start, name="invoices_attestationbatch_start"),
            *super().get_urls(),
        ]

    @admin.display(description="statut", ordering="status")
    def outcome(self, obj: AttestationBatch) -> str:
        """A finished batch with failures is not "Terminé": it waits for a retry."""
        if obj.status == BatchStatus.RUNNING:
            return "En cours"
        if obj.failed:
            return f"Incomplet : {obj.failed} échec(s) à relancer"
        return "Terminé"

    @admin.display(description="progression")
    def progress(self, obj: AttestationBatch) -> str:
        # The bar counts successes only: a batch with failures never looks complete.
        return format_html(
            '<progress max="{}" value="{}"></progress> {} / {} réussis',
            obj.total or 1,
            obj.done if obj.total else 1,
            obj.done,
            obj.total,
        )

    @admin.action(description="Relancer les clients en échec")
    def retry_failures(self, request: HttpRequest, queryset: QuerySet[AttestationBatch]) -> None:
        queued = sum(attestations.batch_retry_failures(batch=batch) for batch in queryset)
        self.message_user(request, f"{queued} client(s) relancé(s).", messages.SUCCESS)

    def start_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not self.has_view_permission(request) or not request.user.is_cooperative_staff:
            raise PermissionDenied
        last_year = timezone.localdate().year - 1
        form = BatchStartForm(request.POST or None, initial={"year": last_year})
        if request.method == "POST" and form.is_valid():
            try:
                batch = attestations.batch_start(year=form.cleaned_data["year"], by=request.user)
            except ValidationError as exc:
                form.add_error("year", exc)
            else:
                self.message_user(
                    request,
                    f"Attestations {batch.year} : génération lancée pour {batch.total} client(s).",
                    messages.SUCCESS,
                )
                changelist = reverse("admin:invoices_attestationbatch_changelist")
                return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Générer les attestations fiscales",
            "form": form,
            "submit": "Lancer la génération",
            "explanation": BATCH_START_EXPLANATION,
        }
        return TemplateResponse(request, "admin/form_page.html", context)
