"""Admin for what opens access to a client record: account invitations, providers' link requests.

Both are read-only evidence. A link request the client did not answer can be decided by the
staff (actions), through the service that records who decided.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .. import services
from ..access import AuthenticatedHttpRequest
from ..models import AccountInvitation, ClientLinkRequest, LinkRequestState
from .french import FrenchTitles
from .sensitive import SensitiveLookupsRefused


class ReadOnlyAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountInvitation)
class AccountInvitationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "client", "origin", "sent_by", "sent_to", "expires_at", "used_at")
    list_filter = ("origin",)
    list_select_related = ("client", "sent_by")
    search_fields = ("client__birth_name", "client__usage_name", "sent_to")
    date_hierarchy = "created_at"
    # The token's hash is no secret, but it is no use to anyone either.
    exclude = ("token_hash",)


@admin.register(ClientLinkRequest)
class ClientLinkRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "provider",
        "client",
        "duplicate",
        "state",
        "sent_to",
        "expires_at",
    )
    list_filter = ("state",)
    list_select_related = ("provider", "client", "duplicate")
    search_fields = ("client__birth_name", "client__usage_name", "provider__last_name", "sent_to")
    date_hierarchy = "created_at"
    exclude = ("token_hash",)
    actions = ["approve", "reject"]

    @admin.action(description="Rattacher le prestataire à la fiche (le client est d'accord)")
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description="Refuser le rattachement")
    def reject(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, approve=False)

    def _review(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet, *, approve: bool
    ) -> None:
        done = 0
        for link in queryset.filter(state=LinkRequestState.PENDING):
            try:
                services.link_request_review(request=link, approve=approve, by=request.user)
            except ValidationError as exc:
                messages.warning(request, f"{link} : {' '.join(exc.messages)}")
            else:
                done += 1
        skipped = queryset.exclude(state=LinkRequestState.PENDING).count()
        messages.success(request, f"{done} demande(s) traitée(s).")
        if skipped:
            messages.info(
                request, f"{skipped} demande(s) déjà traitée(s), laissée(s) telles quelles."
            )
