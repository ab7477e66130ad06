"""Admin columns shared by the money records' admins."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin

from invoices.templatetags.fr_format import euros


def euros_column(field: str, description: str, *, sortable: bool = True) -> Callable[..., str]:
    """A ModelAdmin column showing the money field `field` in euros, sorted by it if `sortable`."""

    @admin.display(description=description, ordering=field if sortable else None)
    def column(model_admin: admin.ModelAdmin, obj: Any) -> str:
        return euros(getattr(obj, field))

    return column
