"""The audit trail in the admin: evidence the staff read, and nobody edits or deletes."""

from django.contrib import admin
from django.utils.html import format_html

from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused

from .labels import action_label
from .models import AuditEntry


class ActionFilter(admin.SimpleListFilter):
    """The actions by their French label; the code stays in the address for searches."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    """The audit trail is evidence: staff read it, nobody edits or deletes it."""

    list_display = ["created_at", "actor", "action_display", "object_repr", "content_type"]
    list_filter = [ActionFilter, "content_type"]
    search_fields = ["object_repr", "actor__email", "note", "object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"

    @admin.display(description="action", ordering="action")
    def action_display(self, obj: AuditEntry) -> str:
        return format_html('<span title="{}">{}</span>', obj.action, obj.action_label)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
