"""The triage queue of payment requests to URSSAF, across every provider.

Requests are read-only: the staff act through buttons and bulk actions, which call the
services (each leaves an event and an audit entry with who did it): retry the sending,
abandon the avance immédiate for the invoice, correct (cancel the invoice and prepare a new
draft), mark handled, refresh from URSSAF now.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from clients.admin.french import LabelledTabularInline
from invoices.templatetags.fr_format import euros

from ..triage.admin import OpenTriageFilter, TriageAdmin
from ..triage.models import TriageState
from . import services
from .models import PaymentRequest, PaymentRequestEvent
from .statuses import rejection_info


class TriageFilter(OpenTriageFilter):
    """Defaults to what is left to do; "every request" shows them all."""

    middle_choices = [(TriageState.RESOLVED, "Traitées")]
    everything_label = "Toutes les demandes"


class EventInline(LabelledTabularInline):
    model = PaymentRequestEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "previous_code", "status_code", "message")
    readonly_fields = fields
    ordering = ("-at", "-pk")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PaymentRequest)
class PaymentRequestAdmin(TriageAdmin):
    list_display = (
        "invoice_number",
        "client_name",
        "provider_name",
        "state",
        "status",
        "bucket",
        "codes",
        "waiting",
    )
    list_filter = (TriageFilter, "triage_bucket", "state", "status_code")
    list_select_related = ("invoice__client", "invoice__provider")
    search_fields = (
        "invoice_number",
        "urssaf_id",
        "invoice__client__birth_name",
        "invoice__client__usage_name",
        "invoice__provider__last_name",
    )
    actions = ("retry_selected", "abandon_selected", "correct_selected", "resolve_selected")
    inlines = (EventInline,)
    change_form_template = "admin/urssaf/paymentrequest/change_form.html"
    fieldsets = (
        (None, {"fields": ("invoice_link", "state", "urssaf_id", "attempts", "created_at")}),
        (
            "URSSAF",
            {
                "fields": (
                    "status",
                    "status_changed_at",
                    "rejection",
                    "transfer",
                    "submitted_at",
                    "validated_at",
                    "debited_at",
                    "paid_at",
                    "ended_at",
                    "next_poll_at",
                    "last_polled_at",
                    "payment",
                )
            },
        ),
        (
            "Triage",
            {
                "fields": (
                    "triage_bucket",
                    "triage_state",
                    "triage_since",
                    "error_list",
                    "triage_note",
                    "triaged_by",
                    "triaged_at",
                )
            },
        ),
    )

    # --- columns -------------------------------------------------------------------------------

    @admin.display(description="client", ordering="invoice__client__birth_name")
    def client_name(self, obj: PaymentRequest) -> str:
        return obj.invoice.client.full_name

    @admin.display(description="prestataire", ordering="invoice__provider__last_name")
    def provider_name(self, obj: PaymentRequest) -> str:
        return obj.invoice.provider.display_name

    @admin.display(description="statut URSSAF", ordering="status_code")
    def status(self, obj: PaymentRequest) -> str:
        if not obj.status_code:
            return "—"
        info = obj.status_info
        flag = "" if info.known else " ⚠"
        return f"{obj.status_code} — {info.label}{flag}"

    @admin.display(description="facture")
    def invoice_link(self, obj: PaymentRequest) -> str:
        url = reverse("admin:invoices_invoice_change", args=[obj.invoice_id])
        label = f"{obj.invoice_number} — {euros(obj.invoice.total_ttc)}"
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="motif (infoRejet)")
    def rejection(self, obj: PaymentRequest) -> str:
        if not obj.rejection_code:
            return "—"
        info = rejection_info(obj.rejection_code)
        return f"{info.family} : {info.label} ({obj.rejection_code}) {obj.rejection_comment}"

    @admin.display(description="virement")
    def transfer(self, obj: PaymentRequest) -> str:
        if obj.transfer_date is None:
            return "—"
        amount = euros(obj.transfer_amount) if obj.transfer_amount is not None else "à venir"
        return f"{obj.transfer_date:%d/%m/%Y} : {amount}"

    @admin.display(description="réponses et erreurs")
    def error_list(self, obj: PaymentRequest) -> str:
        return self.format_errors(obj)

    # --- change view: advice and buttons --------------------------------------------------------

    def get_urls(self):
        routes = [
            ("relancer", self.retry_view, "retry"),
            ("abandonner", self.abandon_view, "abandon"),
            ("corriger", self.correct_view, "correct"),
            ("traiter", self.resolve_view, "resolve"),
            ("actualiser", self.refresh_view, "refresh"),
        ]
        return [
            *self.triage_urls([(slug, require_POST(view), name) for slug, view, name in routes]),
            *super().get_urls(),
        ]

    def _run_one(self, request: HttpRequest, pk: int, run: Callable, done: str) -> HttpResponse:
        obj = self.get_for_change(request, pk)
        try:
            result = run(obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done.format(result=result))
        return redirect(self.change_url(obj))

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._run_one(
            request,
            pk,
            lambda obj: services.payment_request_retry(request=obj, by=request.user),
            "Envoi relancé : la demande repart à l'URSSAF.",
        )

    def abandon_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        note = request.POST.get("note", "").strip()
        return self._run_one(
            request,
            pk,
            lambda obj: services.payment_request_abandon(request=obj, by=request.user, note=note),
            "Demande abandonnée : la facture se règle hors avance immédiate.",
        )

    def correct_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._run_one(
            request,
            pk,
            lambda obj: services.payment_request_correct(request=obj, by=request.user).pk,
            "Facture annulée par un avoir ; brouillon corrigible n° {result} créé pour le "
            "prestataire, qui l'émettra sous un nouveau numéro.",
        )

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        note = request.POST.get("note", "").strip()
        return self._run_one(
            request,
            pk,
            lambda obj: services.payment_request_resolve(request=obj, by=request.user, note=note),
            "Demande marquée traitée.",
        )

    def refresh_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_for_change(request, pk)
        level, message = services.REFRESH_MESSAGES[services.payment_request_refresh(request=obj)]
        messages.add_message(request, level, message)
        return redirect(self.change_url(obj))

    # --- bulk actions ----------------------------------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet, run: Callable, verb: str) -> None:
        done, refused = 0, []
        for obj in queryset.select_related("invoice"):
            try:
                run(obj)
            except ValidationError as exc:
                refused.append(f"{obj.invoice_number} : {' '.join(exc.messages)}")
            else:
                done += 1
        if done:
            messages.success(request, f"{done} demande(s) {verb}.")
        for reason in refused:
            messages.warning(request, reason)

    @admin.action(description="Relancer l'envoi (même facture)")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(
            request,
            queryset,
            lambda obj: services.payment_request_retry(request=obj, by=request.user),
            "relancée(s)",
        )

    @admin.action(description="Abandonner (paiement hors avance immédiate)")
    def abandon_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(
            request,
            queryset,
            lambda obj: services.payment_request_abandon(request=obj, by=request.user),
            "abandonnée(s)",
        )

    @admin.action(description="Corriger : annuler la facture par un avoir et préparer un brouillon")
    def correct_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(
            request,
            queryset,
            lambda obj: services.payment_request_correct(request=obj, by=request.user),
            "remplacée(s) par un brouillon corrigible",
        )

    @admin.action(description="Marquer traitée")
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(
            request,
            queryset,
            lambda obj: services.payment_request_resolve(request=obj, by=request.user),
            "marquée(s) traitée(s)",
        )
