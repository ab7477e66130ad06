"""The triage queue of payment requests to URSSAF, across every provider.

Requests are read-only: the staff act through buttons and bulk actions, which call the
services (each leaves an event and an audit entry with who did it): retry the sending,
abandon the avance immédiate for the invoice, correct (cancel the invoice and prepare a new
draft), mark handled, refresh from URSSAF now.
"""

from collections.abc import Callable
from typing import cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from clients.admin.french import LabelledTabularInline
from clients.encryption import encrypted_field_names
from clients.models import Client, Provider
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


def _bulk_action(service: Callable, description: str, verb: str) -> Callable:
    """Make an admin action that runs `service(request=…, by=…)` on each selected request."""

    @admin.action(description=description)
    def action(self: "PaymentRequestAdmin", request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, lambda obj: service(request=obj, by=request.user), verb)

    return action


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

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The queue shows names: leave birth places and bank details encrypted (undecrypted).
        return (
            super()
            .get_queryset(request)
            .select_related("invoice__client", "invoice__provider")
            .defer(
                *encrypted_field_names(Client, "invoice__client__"),
                *encrypted_field_names(Provider, "invoice__provider__"),
            )
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

    # The buttons of the change page: URL slug and name, the service, whether it takes the
    # staff's note, and the message once done (formatted with the service's result).
    BUTTONS = (
        ("relancer", "retry", services.payment_request_retry, False,
         "Envoi relancé : la demande repart à l'URSSAF."),
        ("abandonner", "abandon", services.payment_request_abandon, True,
         "Demande abandonnée : la facture se règle hors avance immédiate."),
        ("corriger", "correct", services.payment_request_correct, False,
         "Facture {result.replaces.number} annulée par un avoir ; un brouillon corrigé a été "
         "créé pour {result.provider}, qui le relira et l'émettra sous un nouveau numéro."),
        ("traiter", "resolve", services.payment_request_resolve, True,
         "Demande marquée traitée."),
    )  # fmt: skip

    def get_urls(self):
        routes = [
            (slug, self._button_view(service, takes_note, done), name)
            for slug, name, service, takes_note, done in self.BUTTONS
        ]
        routes.append(("actualiser", self.refresh_view, "refresh"))
        return [
            *self.triage_urls([(slug, require_POST(view), name) for slug, view, name in routes]),
            *super().get_urls(),
        ]

    def _button_view(self, service: Callable, takes_note: bool, done: str) -> Callable:
        """Make the view of a button: run `service` on the request, say what happened."""

        def view(request: HttpRequest, pk: int) -> HttpResponse:
            obj = self.get_for_change(request, pk)
            note = {"note": request.POST.get("note", "").strip()} if takes_note else {}
            try:
                result = service(request=obj, by=request.user, **note)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, done.format(result=result))
            return redirect(self.change_url(obj))

        return view

    def refresh_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = cast(PaymentRequest, self.get_for_change(request, pk))
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

    retry_selected = _bulk_action(
        services.payment_request_retry, "Relancer l'envoi (même facture)", "relancée(s)"
    )
    abandon_selected = _bulk_action(
        services.payment_request_abandon,
        "Abandonner (paiement hors avance immédiate)",
        "abandonnée(s)",
    )
    correct_selected = _bulk_action(
        services.payment_request_correct,
        "Corriger : annuler la facture par un avoir et préparer un brouillon",
        "remplacée(s) par un brouillon corrigible",
    )
    resolve_selected = _bulk_action(
        services.payment_request_resolve, "Marquer traitée", "marquée(s) traitée(s)"
    )
