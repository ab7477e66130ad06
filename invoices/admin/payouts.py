"""Admin for the provider payout ledger: what to pay, what is late, SEPA batches.

Payouts are opened by the services when an invoice is paid; here the staff see those due
(late ones first, flagged), mark them paid, or export a batch as a SEPA credit-transfer file.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clients.access import AuthenticatedHttpRequest
from clients.admin.filters import DefaultChoiceFilter
from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused
from clients.validators import bic_of_iban, mask_iban, validate_bic, validate_iban
from invoices.models import Payout, PayoutBatch, PayoutQuerySet, PayoutStatus
from invoices.sepa import batch_xml
from invoices.services import payouts
from invoices.templatetags.fr_format import euros

from .billing import WrittenByServices
from .columns import euros_column


class PayoutStateFilter(DefaultChoiceFilter):
    """Defaults to what is left to pay; late ones and money to recover have their own view."""

    title = "état"
    parameter_name = "etat"
    DUE, LATE, RECOVER, PAID, EVERYTHING = "a_verser", "en_retard", "a_recuperer", "verses", "tout"
    default = DUE

    def lookups(self, request, model_admin):
        return [
            (self.DUE, "À verser"),
            (self.LATE, "En retard (plus de 48 h)"),
            (self.RECOVER, "Repris après versement : à récupérer"),
            (self.PAID, "Versés"),
            (self.EVERYTHING, "Tous"),
        ]

    def queryset(self, request, queryset):
        return {
            self.DUE: lambda: queryset.due(),
            self.LATE: lambda: queryset.late(timezone.now()),
            self.RECOVER: lambda: queryset.filter(reversed_at__isnull=False),
            self.PAID: lambda: queryset.filter(status=PayoutStatus.PAID),
            self.EVERYTHING: lambda: queryset,
        }[self.current]()


class SepaExportForm(forms.Form):
    """The debtor account and the execution date of a SEPA batch (settings prefill them)."""

    # <input type="date"> shows and posts ISO dates only: a French "05/12/2026" would be lost.
    execution_date = forms.DateField(
        label="Date d'exécution",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    debtor_name = forms.CharField(label="Titulaire du compte de la coopérative", max_length=70)
    debtor_iban = forms.CharField(label="IBAN de la coopérative", validators=[validate_iban])
    debtor_bic = forms.CharField(
        label="BIC de la coopérative",
        required=False,
        help_text="Laissé vide, il est déduit de l'IBAN quand c'est possible.",
    )

    def clean_debtor_iban(self) -> str:
        return self.cleaned_data["debtor_iban"].replace(" ", "").upper()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        bic = cleaned.get("debtor_bic", "").replace(" ", "").upper()
        if not bic and cleaned.get("debtor_iban"):
            bic = bic_of_iban(cleaned["debtor_iban"])
            if not bic:
                self.add_error(
                    "debtor_bic",
                    "Le BIC ne se déduit pas de cet IBAN : recopiez-le depuis le RIB du compte.",
                )
        elif bic:
            try:
                validate_bic(bic)
            except ValidationError as exc:
                self.add_error("debtor_bic", exc)
        cleaned["debtor_bic"] = bic
        return cleaned


def _sepa_initial() -> dict:
    return {
        "execution_date": timezone.localdate(),
        "debtor_name": settings.COOPERATIVE_PAYOUT_NAME,
        "debtor_iban": settings.COOPERATIVE_PAYOUT_IBAN,
        "debtor_bic": settings.COOPERATIVE_PAYOUT_BIC,
    }


def _batch_of_all(payouts: QuerySet) -> PayoutBatch | None:
    """The batch holding every one of these payouts, if they all went into the same one."""
    batch_ids = set(payouts.values_list("batch", flat=True))
    if len(batch_ids) != 1 or None in batch_ids:
        return None
    return PayoutBatch.objects.get(pk=batch_ids.pop())


def sepa_response(batch: PayoutBatch) -> HttpResponse:
    """Return the batch's pain.001 file as a download."""
    items = list(batch.payouts.select_related("provider", "invoice").order_by("due_at", "pk"))
    response = HttpResponse(batch_xml(batch, items), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="virements-{batch.message_id}.xml"'
    return response


@admin.register(Payout)
class PayoutAdmin(FrenchTitles, WrittenByServices, SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = (
        "invoice",
        "provider",
        "amount_display",
        "status",
        "cooperative_paid_at",
        "due_at",
        "late",
        "paid_at",
        "batch",
        "to_recover",
    )
    list_filter = (PayoutStateFilter, "provider")
    list_select_related = ("invoice", "provider", "batch")
    search_fields = ("invoice__number", "provider__last_name", "provider__trade_name")
    ordering = ("due_at", "pk")
    actions = ("mark_paid", "export_sepa")
    readonly_fields = (
        "invoice",
        "provider",
        "amount",
        "status",
        "cooperative_paid_at",
        "due_at",
        "paid_at",
        "marked_by",
        "batch",
        "reversed_at",
        "payout_account",
    )
    fields = readonly_fields

    amount_display = euros_column("amount", "montant")

    @admin.display(description="en retard", boolean=True)
    def late(self, obj: Payout) -> bool:
        return obj.is_late(timezone.now())

    @admin.display(description="à récupérer", boolean=True)
    def to_recover(self, obj: Payout) -> bool:
        return obj.reversed_at is not None

    @admin.display(description="compte du prestataire")
    def payout_account(self, obj: Payout) -> str:
        return f"{mask_iban(obj.provider.payout_iban)} — {obj.provider.payout_bic}"

    @admin.action(description="Marquer comme versés", permissions=["change"])
    def mark_paid(self, request: AuthenticatedHttpRequest, queryset: PayoutQuerySet) -> None:
        marked = payouts.payouts_mark_paid(payouts=queryset.due(), by=request.user)
        skipped = queryset.count() - len(marked)
        if marked:
            total = sum(payout.amount for payout in marked)
            self.message_user(
                request,
                f"{len(marked)} versement(s) marqué(s) versé(s), {euros(total)}.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request, f"{skipped} ignoré(s) : ils n'étaient plus à verser.", messages.WARNING
            )

    @admin.action(description="Exporter un virement SEPA (pain.001)", permissions=["change"])
    def export_sepa(self, request: AuthenticatedHttpRequest, queryset: PayoutQuerySet):
        form = SepaExportForm(
            request.POST if "apply" in request.POST else None, initial=_sepa_initial()
        )
        if form.is_bound and form.is_valid():
            try:
                batch = payouts.payout_batch_create(
                    payouts=queryset, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                earlier = _batch_of_all(queryset)
                if earlier is not None:  # a double click: hand back the file the first one made
                    return sepa_response(earlier)
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return None
            return sepa_response(batch)
        selected = queryset.due().filter(batch__isnull=True).select_related("provider", "invoice")
        context = {
            **self.admin_site.each_context(request),
            "title": "Exporter un virement SEPA",
            "opts": self.model._meta,
            "form": form,
            "payouts": selected,
            "total": sum(payout.amount for payout in selected),
            "selected_ids": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/invoices/payout/sepa_export.html", context)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(FrenchTitles, WrittenByServices, SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = ("message_id", "created_at", "execution_date", "count", "total", "created_by")
    list_select_related = ("created_by",)
    actions = ("download", "mark_batch_paid")
    readonly_fields = (
        "message_id",
        "execution_date",
        "debtor_name",
        "debtor_account",
        "debtor_bic",
        "total",
        "count",
        "created_by",
        "created_at",
        "payout_list",
    )
    fields = readonly_fields

    @admin.display(description="compte débité")
    def debtor_account(self, obj: PayoutBatch) -> str:
        return mask_iban(obj.debtor_iban)

    @admin.display(description="versements")
    def payout_list(self, obj: PayoutBatch) -> str:
        items = format_html_join(
            "",
            "<li>{} — {} — {}</li>",
            (
                (p.invoice, p.provider, euros(p.amount))
                for p in obj.payouts.select_related("invoice", "provider")
            ),
        )
        return format_html("<ul>{}</ul>", items) if items else "—"

    @admin.action(description="Télécharger le fichier SEPA", permissions=["view"])
    def download(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, "Choisissez un seul lot.", messages.WARNING)
            return None
        return sepa_response(queryset.get())

    @admin.action(description="Marquer les versements du lot comme faits", permissions=["change"])
    def mark_batch_paid(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        due = Payout.objects.due().filter(batch__in=queryset)
        marked = payouts.payouts_mark_paid(payouts=due, by=request.user)
        self.message_user(
            request, f"{len(marked)} versement(s) marqué(s) versé(s).", messages.SUCCESS
        )
