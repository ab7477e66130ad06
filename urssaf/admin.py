"""The triage queue of payment requests to URSSAF, across every provider.

Requests are read-only: the staff act through buttons and bulk actions, which call the
services (each leaves an event and an audit entry with who did it): retry the sending,
abandon the avance immédiate for the invoice, correct (cancel the invoice and prepare a new
draft), mark handled, refresh from URSSAF now.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from clients.admin.sensitive import SensitiveLookupsRefused
from clients.admin.triage import OpenTriageFilter
from clients.audit import audit_trail
from invoices.templatetags.fr_format import euros

from . import services, triage
from .models import PaymentRequest, PaymentRequestEvent, TriageState
from .statuses import rejection_info


class TriageFilter(OpenTriageFilter):
    """Defaults to what is left to do; "every request" shows them all."""

    middle_choices = [(TriageState.RESOLVED, "Traitées")]
    everything_label = "Toutes les demandes"


class EventInline(admin.TabularInline):
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
class PaymentRequestAdmin(SensitiveLookupsRefused, admin.ModelAdmin):
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
    ordering = ("triage_since", "-created_at")
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
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Every request is evidence of what was sent to URSSAF and what it answered.
        return False

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

    @admin.display(description="catégorie", ordering="triage_bucket")
    def bucket(self, obj: PaymentRequest) -> str:
        return obj.get_triage_bucket_display() or "—"

    @admin.display(description="codes")
    def codes(self, obj: PaymentRequest) -> str:
        return ", ".join(dict.fromkeys(obj.error_codes)) or "—"

    @admin.display(description="en attente", ordering="triage_since")
    def waiting(self, obj: PaymentRequest) -> str:
        if obj.triage_since is None or not obj.is_in_triage:
            return "—"
        return f"{(timezone.now() - obj.triage_since).days} j"

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
        if not obj.errors:
            return "—"
        rows = (
            (e.get("code", ""), e.get("message", ""), e.get("description", "")) for e in obj.errors
        )
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong> {} {}</li>", rows)
        )

    # --- change view: advice and buttons --------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context.update(
                bucket_advice=triage.BUCKETS.get(obj.triage_bucket),
                code_advice=triage.explain(obj.error_codes),
                in_triage=obj.is_in_triage,
                audit_entries=audit_trail(obj)[:20],
            )
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False
        )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        routes = [
            ("relancer", self.retry_view, "retry"),
            ("abandonner", self.abandon_view, "abandon"),
            ("corriger", self.correct_view, "correct"),
            ("traiter", self.resolve_view, "resolve"),
            ("actualiser", self.refresh_view, "refresh"),
        ]
        return [
            *(
                path(f"<int:pk>/{slug}/", view(require_POST(handler)), name=f"urssaf_pr_{name}")
                for slug, handler, name in routes
            ),
            *super().get_urls(),
        ]

    def _get_for_change(self, request: HttpRequest, pk: int) -> PaymentRequest:
        obj = get_object_or_404(PaymentRequest, pk=pk)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _run_one(self, request: HttpRequest, pk: int, run: Callable, done: str) -> HttpResponse:
        obj = self._get_for_change(request, pk)
        try:
            result = run(obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done.format(result=result))
        return redirect(reverse("admin:urssaf_paymentrequest_change", args=[pk]))

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
            "Facture annulée ; brouillon corrigible n° {result} créé pour le prestataire, "
            "qui l'émettra sous un nouveau numéro.",
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
        obj = self._get_for_change(request, pk)
        level, message = services.REFRESH_MESSAGES[services.payment_request_refresh(request=obj)]
        messages.add_message(request, level, message)
        return redirect(reverse("admin:urssaf_paymentrequest_change", args=[pk]))

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

    @admin.action(description="Corriger : annuler la facture et préparer un brouillon")
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
