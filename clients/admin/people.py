"""Admin for users (e-mail login), the cooperative, providers and clients."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from audit.services import audit
from invoices.models import ServiceNature

from .. import services
from ..context_processors import site_cooperative
from ..models import Client, Cooperative, Provider, User
from ..record_history import record_history
from ..validators import normalize_iban, validate_iban
from .french import FrenchTitles
from .sensitive import SensitiveLookupsRefused


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # not in stubs
        model = User
        fields = ("email", "role")

    def clean_email(self) -> str:
        # The manager lower-cases addresses; the admin must store them the same way, or the
        # unique constraint would let a second account in with different capitals.
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):  # type: ignore[name-defined]  # not in stubs
        model = User

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


@admin.register(User)
class UserAdmin(FrenchTitles, SensitiveLookupsRefused, BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates importantes", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "first_name",
        "last_name",
        "role",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")


@admin.register(Cooperative)
class CooperativeAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    list_display = ("legal_name", "siren", "sap_number", "sap_declaration_date", "city", "email")
    search_fields = ("legal_name", "siren", "sap_number")
    fieldsets = (
        (None, {"fields": ("legal_name", "logo", "address_line", "postal_code", "city")}),
        ("Identifiants", {"fields": ("siren", "sap_number", "sap_declaration_date")}),
        ("TVA", {"fields": ("vat_return_frequency", "vat_number")}),
        ("Contact", {"fields": ("email", "phone")}),
        ("Signataire des attestations", {"fields": ("signatory_name", "signatory_title")}),
    )

    def has_add_permission(self, request) -> bool:
        # The portal serves a single cooperative (a DB constraint enforces it). Read from the
        # cache the header uses: every admin page asks, for its menu.
        return super().has_add_permission(request) and site_cooperative() is None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NewIbanForm(forms.ModelForm):
    """Never sends a stored IBAN back to the browser: staff type a new one to replace it.

    Subclasses name the model's IBAN field and the label of the empty box.
    """

    iban_field: str
    new_iban_label: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.iban_field]
        if self.instance.pk or not field.required:
            field.required = False
            field.label = self.new_iban_label
            field.help_text = "Laisser vide pour conserver l'IBAN enregistré."
            self.initial[self.iban_field] = ""

    def clean_new_iban(self) -> str:
        value = self.cleaned_data[self.iban_field]
        if not value:
            return getattr(self.instance, self.iban_field)
        # Model validators only run after the clean_ methods: check before normalising.
        validate_iban(value)
        return normalize_iban(value)


def new_iban_form(model: type, iban_field: str, label: str) -> type[NewIbanForm]:
    """Return the admin form of `model` owning its IBAN field as a write-only box."""
    # The admin builds the rest of the form from the ModelAdmin's fieldsets.
    meta = type("Meta", (), {"model": model, "fields": (iban_field,)})
    attrs = {"Meta": meta, "iban_field": iban_field, "new_iban_label": label}
    attrs[f"clean_{iban_field}"] = NewIbanForm.clean_new_iban
    return type(f"{model.__name__}AdminForm", (NewIbanForm,), attrs)


class ProviderAdminForm(new_iban_form(Provider, "payout_iban", "Nouvel IBAN de versement")):  # type: ignore[misc]
    # The relation is declared on ServiceNature (invoices builds on clients): a model form of
    # Provider does not see it, so the field is spelt out here and ProviderAdmin.save_related
    # saves it.
    natures = forms.ModelMultipleChoiceField(
        queryset=ServiceNature.objects.all(),
        required=False,
        label="activités autorisées",
        widget=FilteredSelectMultiple("activités autorisées", is_stacked=False),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["natures"] = list(self.instance.natures.values_list("pk", flat=True))


ClientAdminForm = new_iban_form(Client, "iban", "Nouvel IBAN")


@admin.register(Provider)
class ProviderAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    form = ProviderAdminForm
    list_display = (
        "last_name",
        "first_name",
        "trade_name",
        "worker_reference",
        "siret",
        "masked_iban",
        "user",
        "is_active",
    )
    list_select_related = ("user",)
    list_filter = ("is_active", "natures")
    search_fields = (
        "last_name",
        "first_name",
        "trade_name",
        "siret",
        "worker_reference",
        "user__email",
    )
    autocomplete_fields = ("user",)
    readonly_fields = ("masked_iban", "code", "created_at")
    fieldsets = (
        (None, {"fields": ("cooperative", "user", "is_active")}),
        (
            "Identité",
            {"fields": ("first_name", "last_name", "trade_name", "siret", "worker_reference")},
        ),
        ("Contact", {"fields": ("phone",)}),
        ("Versements", {"fields": ("masked_iban", "payout_iban", "payout_bic")}),
        ("Activités", {"fields": ("natures",)}),
        ("Référence technique", {"fields": ("code", "created_at"), "classes": ("collapse",)}),
    )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.natures.set(form.cleaned_data["natures"])

    @admin.display(description="IBAN de versement")
    def masked_iban(self, obj: Provider) -> str:
        return obj.masked_payout_iban if obj.payout_iban else "—"

    @method_decorator(sensitive_post_parameters("payout_iban", "payout_bic"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


# Where the client stands with the avance immédiate: shown, never typed.
AI_STATUS_FIELDS = (
    "ai_status",
    "urssaf_id_client",
    "ai_sent_at",
    "ai_awaiting_since",
    "ai_activated_on",
    "ai_activated_at",
    "ai_failed_at",
    "ai_status_note",
)


@admin.register(Client)
class ClientAdmin(FrenchTitles, SensitiveLookupsRefused, admin.ModelAdmin):
    form = ClientAdminForm
    list_display = (
        "birth_name",
        "usage_name",
        "first_names",
        "email",
        "mobile_phone",
        "postal_code",
        "city",
        "user",
        "apa_beneficiary",
        "pch_beneficiary",
        "ai_status",
    )
    list_select_related = ("user",)
    list_filter = ("ai_status", "apa_beneficiary", "pch_beneficiary", "civility", "providers")
    search_fields = (
        "birth_name",
        "usage_name",
        "first_names",
        "email",
        "user__email",
        "postal_code",
        "city",
    )
    autocomplete_fields = ("user",)
    filter_horizontal = ("providers",)
    # The AI status changes only through the services, which keep the audit trail.
    readonly_fields = ("code", "created_at", "masked_iban", *AI_STATUS_FIELDS)
    fieldsets = (
        (None, {"fields": ("cooperative", "user", "providers")}),
        (
            "État civil",
            {"fields": Client.IDENTITY_FIELDS},
        ),
        ("Contact", {"fields": ("email", "mobile_phone")}),
        (
            "Adresse",
            {"fields": Client.ADDRESS_FIELDS},
        ),
        ("Aides", {"fields": ("apa_beneficiary", "pch_beneficiary", "has_filed_tax_return")}),
        ("Compte à prélever", {"fields": ("masked_iban", "iban", "bic", "account_holder")}),
        (
            "Avance immédiate",
            {"fields": AI_STATUS_FIELDS},
        ),
        ("Référence technique", {"fields": ("code", "created_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="IBAN")
    def masked_iban(self, obj: Client) -> str:
        return obj.masked_iban or "—"

    # Bank details and civil status: an error report shows none of the posted values.
    @method_decorator(sensitive_post_parameters())
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id:
            client = self.get_object(request, object_id)
            if client is not None:
                extra_context = {**(extra_context or {}), "history": record_history(client)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Through the services, as on the provider's screens: audited, e-mail change announced."""
        if not change:
            super().save_model(request, obj, form, change)
            audit(actor=request.user, action="client.created", obj=obj)
            return
        concrete = {field.name for field in Client._meta.concrete_fields}
        data = {name: getattr(obj, name) for name in form.changed_data if name in concrete}
        services.client_update(client=obj, data=data, by=request.user)

    def save_related(self, request, form, formsets, change):
        before = list(form.instance.providers.all()) if change else []
        super().save_related(request, form, formsets, change)
        if change:
            services.client_providers_recorded(client=form.instance, before=before, by=request.user)
