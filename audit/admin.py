"""The audit trail in the admin: evidence the staff read, and nobody edits or deletes."""

from django.contrib import admin

from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    """The audit trail is evidence: staff read it, nobody edits or deletes it."""

    list_display = ["created_at", "actor", "action", "object_repr", "content_type"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__email", "note", "object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
