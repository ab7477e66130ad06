"""What both triage queues (registrations, payment requests) share in the admin.

Records are read-only: the staff act through buttons and bulk actions that call the services
(so the audit trail records who did what). `TriageAdmin` gives the queue's columns, the advice
and journal of the change page (templates/admin/urssaf/triage_change_form.html) and the routes
of the buttons; each model's admin adds its own actions.
"""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from audit.services import audit_trail
from clients.admin.filters import DefaultChoiceFilter
from clients.admin.french import FrenchTitles
from clients.admin.sensitive import SensitiveLookupsRefused

from .models import TriageRecord

JOURNAL_LENGTH = 20


class OpenTriageFilter(DefaultChoiceFilter):
    """Defaults to what is left to do; another choice narrows or widens the queue.

    Subclasses give `middle_choices` (the states between "to do" and "everything") and the
    labels; the model's queryset must offer `in_triage()`.
    """

    title = "suivi"
    parameter_name = "suivi"
    LEFT_TO_DO = "a_traiter"
    EVERYTHING = "tout"
    default = LEFT_TO_DO
    todo_label = "À traiter"
    everything_label = "Tout"
    middle_choices: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [
            (self.LEFT_TO_DO, self.todo_label),
            *self.middle_choices,
            (self.EVERYTHING, self.everything_label),
        ]

    def queryset(self, request, queryset):
        value = self.current
        if value == self.LEFT_TO_DO:
            return queryset.in_triage()
        if value == self.EVERYTHING:
            return queryset
        return queryset.filter(triage_state=value)


class TriageAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    """A triage queue: oldest case first, read-only, advice and journal on the change page."""

    ordering = ("triage_since", "-created_at")
    # Django's list, its rows rendered for less (urssaf/templatetags/triage_list.py).
    change_list_template = "admin/urssaf/triage_change_list.html"
    # Oldest first, a page at a time: each row renders a dozen cells, and 100 of them (Django's
    # default) cost more than every query of the page together.
    list_per_page = 25
    # The queue's own count is shown; the table's grand total would be one more COUNT(*).
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        # Every field: the staff act through the buttons and actions, which call the services.
        return tuple(flatten_fieldsets(self.fieldsets or ()))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Every record is evidence of what was sent to URSSAF and what it answered.
        return False

    # --- columns -------------------------------------------------------------------------------

    def action_checkbox(self, obj: TriageRecord) -> SafeString:
        # Django renders this box through the form template engine, once per row: the same
        # markup written directly costs a tenth.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description="catégorie", ordering="triage_bucket")
    def bucket(self, obj: TriageRecord) -> str:
        # Each domain's concrete field has its choices, hence this method.
        return obj.get_triage_bucket_display() or "—"  # type: ignore[attr-defined]

    @admin.display(description="codes")
    def codes(self, obj: TriageRecord) -> str:
        return ", ".join(dict.fromkeys(obj.error_codes)) or "—"

    @admin.display(description="en attente", ordering="triage_since")
    def waiting(self, obj: TriageRecord) -> str:
        if obj.triage_since is None or not obj.is_in_triage:
            return "—"
        return f"{(timezone.now() - obj.triage_since).days} j"

    @staticmethod
    def format_errors(obj: TriageRecord) -> str:
        """Return the record's errors as an HTML list: code, message, description."""
        if not obj.errors:
            return "—"
        rows = (
            (e.get("code", ""), e.get("message", ""), e.get("description", "")) for e in obj.errors
        )
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li><strong>{}</strong> {} {}</li>", rows)
        )

    # --- change page: the advice, the journal, the buttons ------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context.update(self.triage_context(obj))
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False
        )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def triage_context(self, obj: TriageRecord) -> dict:
        """Return what the change page shows about the triage; subclasses add their forms."""
        return {
            "bucket_advice": obj.bucket_advice,
            "code_advice": obj.code_advice,
            "in_triage": obj.is_in_triage,
            "audit_entries": audit_trail(obj)[:JOURNAL_LENGTH],
        }

    def triage_urls(self, routes: list[tuple[str, Callable, str]]) -> list[URLPattern]:
        """Return the routes of the change page's buttons: (slug, view, name) each.

        Each is reversed as `admin:<app>_<model>_<name>` with the record's pk.
        """
        view = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(f"<int:pk>/{slug}/", view(handler), name=f"{prefix}_{name}")
            for slug, handler, name in routes
        ]

    def get_for_change(self, request: HttpRequest, pk: int, queryset=None) -> TriageRecord:
        """Return the record a button acts on; 404 if missing, 403 without change permission."""
        obj = get_object_or_404(queryset if queryset is not None else self.model, pk=pk)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def change_url(self, obj: TriageRecord) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
