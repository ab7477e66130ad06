"""Admin for the books: the chart of accounts, accounting exports and e-reporting files.

Exports and reports are made from a small form (the add button leads to it), never edited;
their files are private and downloaded through the admin by staff.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join

from clients.access import AuthenticatedHttpRequest
from clients.admin.downloads import StoredFileDownload
from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused
from clients.models import Cooperative

from . import ereporting, services
from .accounts import DEFAULTS
from .models import AccountingExport, AccountMapping, EReport


@admin.register(AccountMapping)
class AccountMappingAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = ("description", "number", "label")
    list_display_links = ("description",)
    list_editable = ("number", "label")
    search_fields = ("key", "number", "label")
    fields = ("key", "number", "label")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # Every default shows as a row, so staff see the whole chart and change what they need.
        existing = set(AccountMapping.objects.values_list("key", flat=True))
        AccountMapping.objects.bulk_create(
            [
                AccountMapping(key=key, number=account.number, label=account.label)
                for key, account in DEFAULTS.items()
                if key not in existing
            ],
            ignore_conflicts=True,
        )
        return super().changelist_view(request, extra_context)

    @admin.display(description="rôle", ordering="key")
    def description(self, obj: AccountMapping) -> str:
        return obj.description


class ExportForm(forms.Form):
    start = forms.DateField(
        label="Du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="Au", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    client_accounts = forms.BooleanField(
        label="Un compte auxiliaire par client",
        required=False,
        help_text="Sinon, les clients sont sur le compte collectif 411.",
    )
    reason = forms.CharField(
        label="Motif d'un nouvel export",
        required=False,
        max_length=300,
        help_text="Seulement si la période a déjà été exportée : pourquoi l'exporter à nouveau.",
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("La fin de la période précède son début.")
        return data


class StaffFilesAdmin(FrenchTitles, SensitiveLookupsRefused, StoredFileDownload, admin.ModelAdmin):
    """Read-only records made by a form; their files downloaded through the admin."""

    file_fields: tuple[str, ...] = ()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.make_view(request)  # type: ignore[arg-type]  # the admin: a logged-in user

    def make_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """The page where the staff make one file of this kind (the admin's "add" page): each
        subclass has its own form."""
        raise NotImplementedError

    download_route = "fichier/<str:field>/"

    def serve_file(self, request: HttpRequest, pk: int, field: str) -> FileResponse:
        if field not in self.file_fields:
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=pk)
        stored = getattr(obj, field)
        name = stored.name.rsplit("/", 1)[-1].split("-", 1)[-1]
        return FileResponse(stored.open("rb"), as_attachment=True, filename=name)

    @admin.display(description="fichiers")
    def files(self, obj) -> str:
        info = self.model._meta.app_label, self.model._meta.model_name
        links = [
            (
                reverse("admin:{}_{}_download".format(*info), args=[obj.pk, field]),
                self.model._meta.get_field(field).verbose_name,
            )
            for field in self.file_fields
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def render_form(self, request, form, title, submit, explanation) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "submit": submit,
            "explanation": explanation,
        }
        return TemplateResponse(request, "admin/form_page.html", context)

    def changelist(self) -> HttpResponseRedirect:
        info = self.model._meta.app_label, self.model._meta.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))


@admin.register(AccountingExport)
class AccountingExportAdmin(StaffFilesAdmin):
    file_fields = ("fec", "csv", "summary")
    list_display = ("__str__", "entries", "client_accounts", "files", "created_by", "created_at")
    readonly_fields = (
        "period_start",
        "period_end",
        "client_accounts",
        "rectifies",
        "reason",
        "entries",
        "fec_sha256",
        "files",
        "created_by",
        "created_at",
    )
    exclude = ("fec", "csv", "summary", "totals")
    actions = ["check_unchanged"]

    def make_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        today = timezone.localdate()
        initial = {"start": dt.date(today.year - 1, 1, 1), "end": dt.date(today.year - 1, 12, 31)}
        form = ExportForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                export = services.books_export(
                    start=data["start"],
                    end=data["end"],
                    by=request.user,
                    client_accounts=data["client_accounts"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    f"{export} : {export.entries} écriture(s) exportée(s).",
                    messages.SUCCESS,
                )
                return self.changelist()
        explanation = [
            "L'export produit le fichier des écritures comptables (FEC, article A47 A-1 du "
            "livre des procédures fiscales) de la période, le même contenu en tableur et un "
            "récapitulatif PDF par journal : ventes, encaissements, avance immédiate URSSAF, "
            "banque, prestataires.",
            "Chaque export est conservé et se télécharge à nouveau à l'identique. Une période déjà "
            "exportée n'est exportée à nouveau qu'avec un motif.",
        ]
        return self.render_form(request, form, "Exporter la comptabilité", "Exporter", explanation)

    @admin.action(description="Vérifier que les écritures n'ont pas changé depuis l'export")
    def check_unchanged(self, request: HttpRequest, queryset) -> None:
        for export in queryset:
            if services.books_export_unchanged(export):
                self.message_user(request, f"{export} : identique aux données du portail.")
            else:
                self.message_user(
                    request,
                    f"{export} : les données de la période ont changé depuis ; faites un nouvel "
                    "export avec un motif si le comptable doit les recevoir.",
                    messages.WARNING,
                )


class EReportForm(forms.Form):
    period = forms.ChoiceField(label="Période")

    def __init__(self, *args, periods: list[tuple[dt.date, dt.date]], **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {f"{start:%Y-%m-%d}": (start, end) for start, end in periods}
        # A ChoiceField; the form's fields are typed as plain Fields.
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (key, f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}")
            for key, (start, end) in self.periods.items()
        ]


@admin.register(EReport)
class EReportAdmin(StaffFilesAdmin):
    file_fields = ("transactions", "payments")
    list_display = ("__str__", "reference", "files", "created_by", "created_at")
    readonly_fields = (
        "reference",
        "period_start",
        "period_end",
        "version",
        "rectifies",
        "sha256",
        "files",
        "created_by",
        "created_at",
    )
    exclude = ("transactions", "payments")

    def make_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        cooperative = Cooperative.objects.first()
        frequency = cooperative.vat_return_frequency if cooperative else ""
        form = EReportForm(
            request.POST or None, periods=ereporting.periods(frequency, timezone.localdate())
        )
        if not form.periods:
            self.message_user(
                request,
                "La coopérative n'est pas assujettie à la TVA (voir sa fiche) : il n'y a pas "
                "d'e-reporting à produire.",
                messages.WARNING,
            )
            return self.changelist()
        if request.method == "POST" and form.is_valid():
            start, end = form.periods[form.cleaned_data["period"]]
            try:
                report = services.ereport_make(start=start, end=end, by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"{report} produit.", messages.SUCCESS)
                return self.changelist()
        explanation = [
            "Deux fichiers par période de déclaration de TVA, à déposer sur la plateforme agréée : "
            "les ventes aux particuliers totalisées par jour, taux de TVA et catégorie, et chaque "
            "encaissement (virements de l'URSSAF compris) avec sa date, son montant et son taux.",
            "Une période déjà déclarée dont les données ont changé donne un rapport rectificatif "
            "qui reprend toute la période corrigée.",
        ]
        return self.render_form(request, form, "Produire l'e-reporting", "Produire", explanation)
