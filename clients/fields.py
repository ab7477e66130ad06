"""Fields and field rules that the apps' models declare the same way.

The links to the cooperative's parties (the cooperative, a provider, a client), an optional
link, a record's status with its predicates, and the rule "in this status, that date is set".
They live in clients, the lowest domain layer, so every app may use them; the link to the user
who acted is audit.fields.actor_field.
"""

from typing import TYPE_CHECKING, Any, TypeVar, overload

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .models import Client, Cooperative, Provider

_Model = TypeVar("_Model", bound=models.Model)

# --- Links to the parties -----------------------------------------------------------------------


def cooperative_field(
    related_name: str | None = None,
) -> "models.ForeignKey[Cooperative, Cooperative]":
    """Return the link to the cooperative a record belongs to."""
    return _party_link("clients.Cooperative", "coopérative", related_name)


def provider_field(related_name: str) -> "models.ForeignKey[Provider, Provider]":
    """Return the link to the provider who did the work a record is about."""
    return _party_link("clients.Provider", "prestataire", related_name)


def client_field(related_name: str) -> "models.ForeignKey[Client, Client]":
    """Return the link to the client a record is about."""
    return _party_link("clients.Client", "client", related_name)


def _party_link(model: str, verbose_name: str, related_name: str | None) -> Any:
    # PROTECT: a party is never deleted while a record refers to it (a provider or a client
    # leaves by being deactivated), so the records keep their history.
    return models.ForeignKey(
        model, on_delete=models.PROTECT, related_name=related_name, verbose_name=verbose_name
    )


@overload
def optional_link(
    to: type[_Model],
    verbose_name: str,
    *,
    on_delete: Any,
    related_name: str = ...,
    one_to_one: bool = ...,
) -> "models.ForeignKey[_Model | None, _Model | None]": ...
@overload
def optional_link(
    to: str,
    verbose_name: str,
    *,
    on_delete: Any,
    related_name: str = ...,
    one_to_one: bool = ...,
) -> "models.ForeignKey[Any, Any]": ...
def optional_link(
    to: Any,
    verbose_name: str,
    *,
    on_delete: Any,
    related_name: str = "+",
    one_to_one: bool = False,
) -> "models.ForeignKey[Any, Any]":
    """Return a link that may be empty: NULL in the database and left blank in forms.

    No reverse accessor unless `related_name` names one.
    """
    field = models.OneToOneField if one_to_one else models.ForeignKey
    return field(
        to,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


# --- Status -------------------------------------------------------------------------------------


def status_field(
    initial: models.TextChoices,
    verbose_name: str = "statut",
    *,
    max_length: int = 16,
    db_index: bool = False,
) -> models.CharField:
    """Return a record's status: one of the choices `initial` belongs to, starting at it."""
    return models.CharField(
        verbose_name,
        max_length=max_length,
        choices=type(initial).choices,
        default=initial,
        db_index=db_index,
    )


class status_is:
    """A predicate on a record's status, named for what it means: `is_paid = status_is(PAID)`.

    Templates and services ask the record (`invoice.is_paid`) instead of comparing status
    strings. `field` names the status column when it is not `status`.
    """

    def __init__(self, *values: str, field: str = "status") -> None:
        self.values = values
        self.field = field

    @overload
    def __get__(self, instance: None, owner: type) -> "status_is": ...
    @overload
    def __get__(self, instance: models.Model, owner: type) -> bool: ...
    def __get__(self, instance: models.Model | None, owner: type) -> "bool | status_is":
        if instance is None:
            return self
        return getattr(instance, self.field) in self.values


def set_when(field: str, *, name: str, **status: str) -> models.CheckConstraint:
    """Return the rule that `field` is set whenever the record has the `status` given.

    `status` is one `name=value`: set_when("sent_at", state=SENT, name=…). The date a status
    was reached (or the identifier it brought) is what the staff and the documents read: the
    database refuses the status without it.
    """
    return models.CheckConstraint(
        condition=~Q(**status) | Q(**{f"{field}__isnull": False}), name=name
    )
