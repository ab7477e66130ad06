"""The link from a record to the user who acted on it, declared the same way everywhere."""

from django.conf import settings
from django.db import models


def actor_field(
    verbose_name: str | None = None, *, required: bool = False, editable: bool = True
) -> models.ForeignKey:
    """Return a link to the user who did something (sent, decided, started, recorded…).

    PROTECT: a user who acted is kept (deactivated, never deleted) so the trail stays whole.
    No reverse accessor: a user's actions are read from the records, not from the user.
    Empty unless `required` (a system task acts as nobody). Not `editable` where no form
    may change it.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=not required,
        blank=not required,
        related_name="+",
        verbose_name=verbose_name,
        editable=editable,
    )
