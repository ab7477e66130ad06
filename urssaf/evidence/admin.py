"""Evidence packs in the admin: ask for one (a client and a year, or an invoice), watch it being
built, download it. Only the staff reach the admin; the ZIP is served from here alone."""

from django.contrib import admin, messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from audit.services import audit
from clients.access import AuthenticatedHttpRequest
from clients.admin.downloads import StoredFileDownload
from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused

from . import services
from .models import EvidencePack, PackStatus


@admin.register(EvidencePack)
class EvidencePackAdmin(
    FrenchTitles, SensitiveLookupsRefused, StoredFileDownload, admin.ModelAdmin
):
    list_display = ("__str__", "status", "progress", "requested_by", "created_at", "download")
    list_filter = ("status",)
    actions = ("retry_failed",)
    list_select_related = ("client", "invoice", "requested_by")
    autocomplete_fields = ("client", "invoice")
    change_form_template = "admin/urssaf/evidencepack/change_form.html"
    fieldsets = (
        (
            "Pour un client et une année…",
            {"fields": ("client", "year")},
        ),
        ("… ou pour une facture (avec celles qui la corrigent)", {"fields": ("invoice",)}),
    )
    readonly_after = ("status", "progress", "download", "error", "requested_by", "created_at")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return ((None, {"fields": ("subject", *self.readonly_after, "finished_at")}),)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("subject", *self.readonly_after, "finished_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a pack is asked for, then only read

    def save_model(self, request, obj, form, change) -> None:
        services.evidence_pack_submit(pack=obj, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, "Dossier demandé : il se prépare en arrière-plan.")
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="objet")
    def subject(self, obj: EvidencePack) -> str:
        return str(obj)

    @admin.display(description="avancement")
    def progress(self, obj: EvidencePack) -> str:
        if obj.status == PackStatus.PENDING:
            return "en file d'attente"
        return f"{obj.steps_done} / {obj.steps_total} fichiers ({obj.percent} %)"

    @admin.display(description="archive")
    def download(self, obj: EvidencePack) -> str:
        if obj.status != PackStatus.DONE or not obj.file:
            return "—"
        url = reverse("admin:urssaf_evidencepack_download", args=[obj.pk])
        return format_html('<a href="{}">Télécharger le ZIP</a>', url)

    @admin.action(description="Relancer la préparation des dossiers en échec", permissions=["view"])
    def retry_failed(self, request: AuthenticatedHttpRequest, queryset) -> None:
        retried = sum(services.evidence_pack_retry(pack=pack, by=request.user) for pack in queryset)
        if retried:
            self.message_user(request, f"{retried} dossier(s) relancé(s).", messages.SUCCESS)
        if skipped := queryset.count() - retried:
            self.message_user(
                request,
                f"{skipped} dossier(s) ignoré(s) : ils n'étaient pas en échec.",
                messages.WARNING,
            )

    def serve_file(self, request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
        pack = get_object_or_404(EvidencePack, pk=pk, status=PackStatus.DONE)
        audit(actor=request.user, action="evidence_pack.downloaded", obj=pack)
        return FileResponse(pack.file.open("rb"), as_attachment=True, filename=pack.filename)
