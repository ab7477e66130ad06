"""No admin URL may filter on sensitive data: `?iban__startswith=F` one character at a time
would give a full IBAN back to anyone who can open the change list.

The fields are marked once, on the model (`clients.encryption.is_sensitive`); every admin of
the portal inherits `SensitiveLookupsRefused`, and a system check fails when one does not.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.checks import CheckMessage, Error
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from ..encryption import is_sensitive


def reaches_sensitive_field(model, lookup: str) -> bool:
    """Whether a lookup path (`client__iban__startswith`) goes through a sensitive field."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if is_sensitive(field):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class SensitiveLookupsRefused:
    """ModelAdmin mixin: a URL lookup reaching a sensitive field is refused (400)."""

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_sensitive_field(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


def check_admins_refuse_sensitive_lookups(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Every admin of the portal's own models must refuse lookups on sensitive fields."""
    errors: list[CheckMessage] = []
    for model, model_admin in admin.site._registry.items():
        app_path = Path(apps.get_app_config(model._meta.app_label).path)
        ours = app_path.is_relative_to(settings.BASE_DIR) and "site-packages" not in app_path.parts
        if ours and not isinstance(model_admin, SensitiveLookupsRefused):
            errors.append(
                Error(
                    f"{type(model_admin).__name__} does not refuse lookups on sensitive fields.",
                    hint="Inherit clients.admin.sensitive.SensitiveLookupsRefused first.",
                    obj=type(model_admin),
                    id="clients.E001",
                )
            )
    return errors
