"""The triage queue of avance immédiate registrations, across every provider.

Each attempt is read-only: the staff act through the buttons and actions, which call the
services (so the audit trail records who did what): note a follow-up, correct the identity and
resend, resend, mark resolved or ineligible, and resend the "URSSAF unavailable" bucket at once.
"""

import json
from datetime import timedelta
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clients.access import AuthenticatedHttpRequest
from clients.admin.sensitive import SensitiveLookupsRefused
from clients.encryption import encrypted_field_names
from clients.models import Client, Provider
from clients.validators import STAFF_NOTE_MAX_LENGTH

from ..triage.admin import OpenTriageFilter, TriageAdmin
from ..triage.models import TriageState
from . import services
from .forms import AIStaffCorrectionForm
from .models import AIEligibilityRule, AIRegistration


class TriageStateFilter(OpenTriageFilter):
    """Defaults to what is left to do; "every attempt" shows the whole history."""

    todo_label = "À traiter (ouvert ou client contacté)"
    middle_choices = TriageState.choices
    everything_label = "Toutes les tentatives"


class ProviderFilter(admin.SimpleListFilter):
    """The providers of the registered client (a client may have several)."""

    title = "prestataire"
    parameter_name = "prestataire"

    def lookups(self, request, model_admin):
        providers = Provider.objects.only("pk", "first_name", "last_name", "trade_name")
        return [(str(p.pk), p.display_name) for p in providers.order_by("last_name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(client__providers__pk=self.value())
        return queryset


class AgeFilter(admin.SimpleListFilter):
    """How long an attempt has waited in triage."""

    title = "à traiter depuis"
    parameter_name = "age"
    RANGES = {
        "0-2": (0, 2),
        "2-7": (2, 7),
        "7-30": (7, 30),
        "30+": (30, None),
    }

    def lookups(self, request, model_admin):
        return [
            ("0-2", "Moins de 2 jours"),
            ("2-7", "2 à 7 jours"),
            ("7-30", "7 à 30 jours"),
            ("30+", "Plus de 30 jours"),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        low, high = self.RANGES[self.value()]
        now = timezone.now()
        queryset = queryset.filter(triage_since__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(triage_since__gt=now - timedelta(days=high))
        return queryset


class TriageForm(forms.Form):
    state = forms.ChoiceField(
        label="Suivi",
        choices=[
            (TriageState.CONTACTED, "Client contacté"),
            (TriageState.RESOLVED, "Résolu"),
            (TriageState.INELIGIBLE, "Non éligible"),
        ],
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(AIRegistration)
class AIRegistrationAdmin(TriageAdmin):
    list_display = (
        "client_name",
        "bucket",
        "codes",
        "triage_state",
        "waiting",
        "providers",
        "origin",
        "created_at",
    )
    list_filter = (TriageStateFilter, "triage_bucket", ProviderFilter, AgeFilter, "state")
    list_select_related = ("client", "started_by")
    search_fields = (
        "client__birth_name",
        "client__usage_name",
        "client__first_names",
        "client__email",
        "client__providers__last_name",  # as the payment requests' queue finds its provider
    )
    actions = ("retry_unavailable", "mark_contacted", "mark_resolved", "mark_ineligible")
    change_form_template = "admin/urssaf/airegistration/change_form.html"
    fieldsets = (
        (None, {"fields": ("client", "origin", "started_by", "created_at", "known_elsewhere")}),
        (
            "Envoi",
            {"fields": ("state", "attempts", "sent_at", "id_client", "summary", "error_list")},
        ),
        (
            "Triage",
            {
                "fields": (
                    "triage_bucket",
                    "triage_state",
                    "triage_since",
                    "triage_note",
                    "triaged_by",
                    "triaged_at",
                )
            },
        ),
        ("Relances d'activation", {"fields": ("reminded_2d_at", "reminded_5d_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The queue shows names and codes: leave the request sent, birth places and bank details
        # encrypted (each decrypting costs more than rendering the row). Of the providers, only
        # what their display_name reads.
        providers = Provider.objects.only("first_name", "last_name", "trade_name")
        return (
            super()
            .get_queryset(request)
            .select_related("client")
            .defer(
                *encrypted_field_names(AIRegistration),
                *encrypted_field_names(Client, "client__"),
            )
            .prefetch_related(Prefetch("client__providers", queryset=providers))
        )

    # --- columns -------------------------------------------------------------------------------

    @admin.display(description="client", ordering="client__birth_name")
    def client_name(self, obj: AIRegistration) -> str:
        return f"{obj.client.full_name} ({obj.client.email})"

    @admin.display(description="prestataires")
    def providers(self, obj: AIRegistration) -> str:
        return ", ".join(p.display_name for p in obj.client.providers.all()) or "—"

    @admin.display(description="demande envoyée (IBAN masqué)")
    def summary(self, obj: AIRegistration) -> str:
        text = json.dumps(obj.request_summary, indent=2, ensure_ascii=False)
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.display(description="réponse de l'URSSAF")
    def error_list(self, obj: AIRegistration) -> str:
        return self.format_errors(obj)

    # --- change view: the advice and the buttons ------------------------------------------------

    def triage_context(self, obj: AIRegistration) -> dict:  # type: ignore[override]  # its records
        return {**super().triage_context(obj), "triage_form": TriageForm()}

    def get_urls(self):
        return [
            *self.triage_urls(
                [
                    ("suivi", require_POST(self.triage_view), "triage"),
                    (
                        "corriger",
                        require_http_methods(["GET", "POST"])(self.correct_view),
                        "correct",
                    ),
                    ("renvoyer", require_POST(self.resend_view), "resend"),
                ]
            ),
            *super().get_urls(),
        ]

    def _get_for_change(self, request: HttpRequest, pk: int) -> AIRegistration:
        obj = self.get_for_change(request, pk, AIRegistration.objects.select_related("client"))
        return cast(AIRegistration, obj)

    def triage_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        """Record a follow-up (contacted, resolved, ineligible) with a note."""
        registration = self._get_for_change(request, pk)
        form = TriageForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choisissez un suivi.")
            return redirect(self.change_url(registration))
        try:
            services.ai_triage_mark(
                registration=registration,
                state=TriageState(form.cleaned_data["state"]),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Suivi enregistré.")
        return redirect(self.change_url(registration))

    def resend_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        """Send the client's registration again as it stands (a new attempt)."""
        registration = self._get_for_change(request, pk)
        return self._resend(request, registration)

    def _resend(
        self, request: AuthenticatedHttpRequest, registration: AIRegistration
    ) -> HttpResponse:
        try:
            new = services.ai_registration_resend(registration=registration, by=request.user)
        except ValidationError as exc:
            messages.error(request, "Inscription non renvoyée : " + " ".join(exc.messages))
            return redirect(self.change_url(registration))
        messages.success(request, "Inscription renvoyée à l'URSSAF : voici la nouvelle demande.")
        return HttpResponseRedirect(self.change_url(new))

    @method_decorator(sensitive_post_parameters())  # bank details and civil status
    def correct_view(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        """Correct the client's identity, contact or bank details, then resend."""
        registration = self._get_for_change(request, pk)
        client = registration.client
        form = AIStaffCorrectionForm(request.POST or None, instance=client)
        if request.method == "POST" and form.save_through_service(by=request.user):
            return self._resend(request, registration)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Corriger et renvoyer — {client.full_name}",
            "opts": self.model._meta,
            "original": registration,
            "form": form,
            "bucket_advice": registration.bucket_advice,
            "code_advice": registration.code_advice,
        }
        return TemplateResponse(request, "admin/urssaf/airegistration/correct.html", context)

    # --- bulk actions ----------------------------------------------------------------------------

    @admin.action(description="Relancer l'envoi (catégorie « URSSAF indisponible »)")
    def retry_unavailable(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        resent, skipped = services.ai_registrations_retry(
            registrations=queryset.select_related("client"), by=request.user
        )
        if resent:
            messages.success(request, f"{len(resent)} inscription(s) renvoyée(s) à l'URSSAF.")
        if skipped:
            messages.warning(
                request,
                f"{len(skipped)} ignorée(s) : hors de la catégorie « URSSAF indisponible », "
                "déjà traitée(s), ou refusée(s) par les vérifications.",
            )

    def _mark(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet, state: TriageState
    ) -> None:
        done, skipped = 0, 0
        for registration in queryset:
            try:
                services.ai_triage_mark(
                    registration=registration, state=state, note="", by=request.user
                )
                done += 1
            except ValidationError:
                skipped += 1
        if done:
            messages.success(request, f"{done} inscription(s) marquée(s) « {state.label} ».")
        if skipped:
            messages.warning(request, f"{skipped} ignorée(s) : elles n'étaient plus à traiter.")

    @admin.action(description="Marquer « client contacté »")
    def mark_contacted(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, TriageState.CONTACTED)

    @admin.action(description="Marquer résolu")
    def mark_resolved(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, TriageState.RESOLVED)

    @admin.action(description="Marquer non éligible")
    def mark_ineligible(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, TriageState.INELIGIBLE)


@admin.register(AIEligibilityRule)
class AIEligibilityRuleAdmin(SensitiveLookupsRefused, admin.ModelAdmin):
    """Dated eligibility: close a period and add the next when URSSAF moves a date."""

    list_display = ("label", "valid_from", "valid_to", "apa_excluded", "pch_excluded")
    fields = ("label", ("valid_from", "valid_to"), "apa_excluded", "pch_excluded")
