"""The register of financial guarantees, with the year's avance immédiate total on top.

Adding or changing a guarantee goes through the service (audited; a guarantee in force
releases the held payment requests). Files are served to staff by the admin only, never from
a public URL. A guarantee is never deleted: a wrong one is withdrawn.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clients.access import AuthenticatedHttpRequest
from clients.admin.downloads import StoredFileDownload
from clients.admin.sensitive import SensitiveLookupsRefused
from invoices.admin.columns import euros_column

from . import services
from .models import FinancialGuarantee, ThresholdAlert

# What an attestation may be: a scan or a PDF, of a reasonable size.
ALLOWED_EXTENSIONS = ("pdf", "png", "jpg", "jpeg")
MAX_FILE_SIZE = 10 * 1024 * 1024
FILES = {"attestation": "attestation", "preuve": "sending_proof"}


def _check_file(upload):
    if not upload or not hasattr(upload, "size"):
        return upload
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise forms.ValidationError("Fichier PDF, PNG ou JPEG attendu.")
    if upload.size > MAX_FILE_SIZE:
        raise forms.ValidationError("Fichier trop lourd : 10 Mo au plus.")
    return upload


class GuaranteeForm(forms.ModelForm):
    class Meta:
        model = FinancialGuarantee
        fields = (
            "issuer",
            "reference",
            "amount",
            "valid_from",
            "valid_to",
            "attestation",
            "sent_to_urssaf_on",
            "sending_proof",
        )
        # French staff type "250 000,00".
        localized_fields = ("amount",)

    def clean_attestation(self):
        return _check_file(self.cleaned_data.get("attestation"))

    def clean_sending_proof(self):
        return _check_file(self.cleaned_data.get("sending_proof"))

    def clean(self):
        cleaned = super().clean()
        sent_on, proof = cleaned.get("sent_to_urssaf_on"), cleaned.get("sending_proof")
        if proof and not sent_on:
            self.add_error("sent_to_urssaf_on", "Indiquez la date de transmission à l'URSSAF.")
        if sent_on and sent_on > timezone.localdate():
            self.add_error("sent_to_urssaf_on", "La date de transmission ne peut être future.")
        return cleaned


class ValidityFilter(admin.SimpleListFilter):
    title = "validité"
    parameter_name = "validite"

    def lookups(self, request, model_admin):
        return [("en_cours", "En cours de validité"), ("autres", "Échues, à venir ou retirées")]

    def queryset(self, request, queryset):
        valid = FinancialGuarantee.objects.valid_on(timezone.localdate())
        if self.value() == "en_cours":
            return queryset.filter(pk__in=valid)
        if self.value() == "autres":
            return queryset.exclude(pk__in=valid)
        return queryset


@admin.register(FinancialGuarantee)
class FinancialGuaranteeAdmin(SensitiveLookupsRefused, StoredFileDownload, admin.ModelAdmin):
    form = GuaranteeForm
    # Narrow enough to fit beside the admin's navigation; the files are on the change page.
    list_display = ("issuer", "amount_display", "period", "validity", "sent_on")
    list_filter = (ValidityFilter,)
    search_fields = ("issuer", "reference")
    readonly_fields = ("files", "recorded_by", "created_at", "withdrawn_at")
    fieldsets = (
        (None, {"fields": ("issuer", "reference", "amount", ("valid_from", "valid_to"))}),
        ("Attestation", {"fields": ("attestation",)}),
        ("Transmission à l'URSSAF", {"fields": ("sent_to_urssaf_on", "sending_proof")}),
        ("Suivi", {"fields": ("files", "recorded_by", "created_at", "withdrawn_at")}),
    )
    actions = ["withdraw"]
    change_list_template = "admin/urssaf/financialguarantee/change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.guarantee_record(guarantee=obj, by=request.user)
        except ValidationError as exc:
            # The form validated the same rules: this only happens in a race; say it plainly.
            raise PermissionDenied(" ".join(exc.messages)) from exc

    download_route = "<str:which>/"
    download_url_name = "urssaf_financialguarantee_file"

    def serve_file(self, request: AuthenticatedHttpRequest, pk: int, which: str) -> FileResponse:
        if not request.user.is_cooperative_staff:
            raise PermissionDenied
        if which not in FILES:
            raise Http404
        guarantee = get_object_or_404(FinancialGuarantee, pk=pk)
        stored = getattr(guarantee, FILES[which])
        if not stored:
            raise Http404
        extension = stored.name.rsplit(".", 1)[-1]
        return FileResponse(
            stored.open("rb"), filename=f"garantie-{which}-{guarantee.valid_from:%Y}.{extension}"
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, extra_context)

    amount_display = euros_column("amount", "montant", sortable=False)

    @admin.display(description="validité", ordering="valid_to")
    def period(self, obj: FinancialGuarantee) -> str:
        return f"du {obj.valid_from:%d/%m/%Y} au {obj.valid_to:%d/%m/%Y}"

    @admin.display(description="transmise à l'URSSAF", ordering="sent_to_urssaf_on")
    def sent_on(self, obj: FinancialGuarantee) -> str:
        return f"{obj.sent_to_urssaf_on:%d/%m/%Y}" if obj.sent_to_urssaf_on else "Non"

    @admin.display(description="état")
    def validity(self, obj: FinancialGuarantee) -> str:
        today = timezone.localdate()
        if obj.withdrawn_at:
            return "Retirée"
        if obj.valid_to < today:
            return "Échue"
        if obj.valid_from > today:
            return "À venir"
        return "En cours"

    @admin.display(description="fichiers")
    def files(self, obj: FinancialGuarantee) -> str:
        if obj.pk is None:
            return "—"
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:urssaf_financialguarantee_file", args=[obj.pk, which]),
                label,
            )
            for which, label in (("attestation", "Attestation"), ("preuve", "Preuve d'envoi"))
            if getattr(obj, FILES[which])
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "—"

    @admin.action(description="Retirer (enregistrée par erreur ou résiliée)")
    def withdraw(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for guarantee in queryset:
            services.guarantee_withdraw(
                guarantee=guarantee, by=request.user, note="Retirée depuis l'administration."
            )
        self.message_user(request, f"{queryset.count()} garantie(s) retirée(s).", messages.INFO)


@admin.register(ThresholdAlert)
class ThresholdAlertAdmin(SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = ("year", "level", "total", "sent_at")
    readonly_fields = ("year", "level", "total", "sent_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
