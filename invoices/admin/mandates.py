"""The client mandates the staff hold, with the ones to stop first (no double debit)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clients.access import AuthenticatedHttpRequest
from clients.admin.sensitive import SensitiveLookupsRefused
from invoices.models import MandateStatus, PaymentMandate
from invoices.services.mandates import mandate_confirm_stopped, mandates_flag_to_stop


class MandateStatusFilter(admin.SimpleListFilter):
    """Defaults to the to-do: mandates to stop since the client's avance immédiate started."""

    title = "état"
    parameter_name = "etat"
    EVERYTHING = "tout"

    def lookups(self, request, model_admin):
        return [*MandateStatus.choices, (self.EVERYTHING, "Tous")]

    def queryset(self, request, queryset):
        value = self.value() or MandateStatus.TO_STOP
        return queryset if value == self.EVERYTHING else queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or MandateStatus.TO_STOP
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(PaymentMandate)
class PaymentMandateAdmin(SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = (
        "client",
        "kind",
        "reference",
        "signed_on",
        "status",
        "flagged_at",
        "stop_reason",
    )
    list_filter = (MandateStatusFilter, "kind")
    list_select_related = ("client",)
    search_fields = ("reference", "client__birth_name", "client__usage_name")
    autocomplete_fields = ("client",)
    fields = (
        "client",
        "kind",
        "reference",
        "signed_on",
        "status",
        "stop_reason",
        "flagged_at",
        "stopped_at",
        "stopped_by",
    )
    readonly_fields = ("status", "stop_reason", "flagged_at", "stopped_at", "stopped_by")
    actions = ["confirm_stopped"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.client.has_active_ai:
            # Recorded after the switch: URSSAF already debits this client, stop it too.
            mandates_flag_to_stop(client=obj.client)

    @admin.action(
        description="Confirmer l'arrêt (mandat arrêté à la banque ou chez le prestataire)"
    )
    def confirm_stopped(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for mandate in queryset:
            mandate_confirm_stopped(mandate=mandate, by=request.user)
        self.message_user(
            request, f"{queryset.count()} mandat(s) marqué(s) arrêté(s).", messages.SUCCESS
        )
