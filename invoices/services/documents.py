"""What every kind of billing document goes through: its draft (checked, priced line by line,
saved or deleted) and its numbering. The kinds' services (billing.py, quotes.py) build on it
and add their own steps; the kind's messages come from its model's `kind`."""

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import NotRequired, TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client, Provider

from .. import rules
from ..models import BillingDocument, ServiceLine, ServiceNature, Unit
from .numbering import allocate_number

# The services take and return the same kind of document (an Invoice in, an Invoice out).
DocumentT = TypeVar("DocumentT", bound=BillingDocument)


@dataclass(frozen=True)
class LineData:
    """A line as typed or copied: each field is the ServiceLine column of the same name."""

    nature: ServiceNature
    service_date: date
    quantity: Decimal
    unit_price_ttc: Decimal
    vat_rate: Decimal
    unit: str = Unit.HOUR
    description: str = ""
    is_expense: bool = False

    @classmethod
    def from_line(cls, line: ServiceLine) -> "LineData":
        """Return the data of a saved line, to copy it onto another document."""
        return cls(**{field.name: getattr(line, field.name) for field in fields(cls)})

    @classmethod
    def of(cls, document: BillingDocument) -> list["LineData"]:
        """Return a saved document's lines as data, in order: to copy them onto another."""
        return [cls.from_line(line) for line in document.lines.select_related("nature")]


class DraftContent(TypedDict):
    """What a draft says, whatever its kind: its period, its lines and its notes (the header
    form's `document_data()` with the line formset's `line_data()`). The draft services of every
    kind take it as keywords, beside the fields of their own kind."""

    period_start: date
    period_end: date
    lines: list[LineData]
    notes: NotRequired[str]


def draft_new(kind: type[DocumentT], provider: Provider, client: Client, **own) -> DocumentT:
    """Return a new draft of `kind` (unsaved, without content) for one of the provider's
    clients, in the provider's cooperative, with the fields `own` to its kind."""
    return kind(cooperative=provider.cooperative, provider=provider, client=client, **own)


def _check(document: BillingDocument, lines: list[LineData], errors: list[str]) -> None:
    """Raise ValidationError (every French message at once, after the `errors` its kind found)
    for a draft that cannot be saved: client not the provider's, period, lines, natures."""
    provider, start, end = document.provider, document.period_start, document.period_end
    errors = list(errors)
    if not document.client.providers.filter(pk=provider.pk).exists():
        errors.append("Ce client n'est pas rattaché à votre compte.")
    if end < start:
        errors.append("La fin de la période de service précède son début.")
    if not lines:
        errors.append(document.kind.needs_a_line)
    allowed = set(provider.natures.values_list("pk", flat=True))
    for index, line in enumerate(lines, start=1):
        if allowed and line.nature.pk not in allowed:
            errors.append(f"Ligne {index} : vous n'êtes pas habilité(e) pour « {line.nature} ».")
        if not start <= line.service_date <= end:
            errors.append(f"Ligne {index} : la date d'intervention est hors de la période.")
        if line.quantity <= 0:
            errors.append(f"Ligne {index} : la quantité doit être positive.")
        if line.unit_price_ttc < 0 or line.vat_rate < 0:
            errors.append(f"Ligne {index} : les montants ne peuvent pas être négatifs.")
    if errors:
        raise ValidationError(errors)


def _build_lines(document: BillingDocument, lines: list[LineData]) -> list[ServiceLine]:
    """Validate the document's lines and set its totals from them; nothing is saved yet."""
    link = type(document).line_link()
    line_model = link.model
    # Narrows the type: each kind's lines are a ServiceLine subclass (see BillingDocument).
    assert issubclass(line_model, ServiceLine)
    objs = []
    for position, data in enumerate(lines):
        line = line_model(**{link.name: document}, **vars(data), position=position)
        line.compute_totals()
        line.full_clean(exclude=[link.name])
        objs.append(line)
    document.total_ht = sum((line.total_ht for line in objs), Decimal("0.00"))
    document.total_tva = sum((line.total_tva for line in objs), Decimal("0.00"))
    document.total_ttc = sum((line.total_ttc for line in objs), Decimal("0.00"))
    return objs


def draft_save(
    document: DocumentT, content: DraftContent, *, errors: list[str] | None = None
) -> DocumentT:
    """Write `content` on a draft (new, or locked by draft_lock; its kind's own fields set) and
    save it: its lines replace any it had, with their totals. Call it inside a transaction.

    Raises ValidationError with `errors` (what its kind's service found) and every problem of
    the client, period and lines at once; then with the rules of invoices.rules a draft
    breaks (hours per intervention, avance immédiate…); or when the document is invalid, an
    overflowing total included: checked after the totals, so it is refused, not a DB error.
    """
    document.period_start, document.period_end = content["period_start"], content["period_end"]
    document.notes = content.get("notes", "")
    lines = content["lines"]
    _check(document, lines, errors or [])
    built = _build_lines(document, lines)
    broken = rules.draft_errors(rules.subject_of(document, built))
    if broken:
        raise ValidationError(broken)
    document.full_clean()
    replacing = not document._state.adding
    document.save()
    if replacing:
        document.lines.all().delete()
    type(document).line_link().model._default_manager.bulk_create(built)
    return document


def copy_save(document: BillingDocument, source: BillingDocument) -> BillingDocument:
    """Save a new document whose lines copy those of `source` (a credit note copies the invoice
    it cancels), with their totals. Call it inside a transaction.

    The draft checks (client attached, natures allowed, dates in the period) are not run again:
    they held when `source` was numbered, and a copy must not fail because they changed since.
    """
    lines = LineData.of(source)
    built = _build_lines(document, lines)
    document.full_clean()
    document.save()
    type(document).line_link().model._default_manager.bulk_create(built)
    return document


def _locked(document: DocumentT) -> DocumentT:
    """Return the document fresh from its row, locked until the transaction ends."""
    return type(document)._default_manager.select_for_update().get(pk=document.pk)


def draft_lock(document: DocumentT) -> DocumentT:
    """Lock the document's row and return it fresh; raise ValidationError once numbered."""
    document = _locked(document)
    if not document.is_editable:
        raise ValidationError(document.kind.not_editable)
    return document


def draft_delete(document: BillingDocument) -> None:
    """Delete a draft; a numbered document is never deleted. Call it inside a transaction."""
    document = _locked(document)
    if not document.is_draft:
        raise ValidationError(document.kind.not_deletable)
    document.delete()


def draft_number(document: DocumentT, *, on: date | None = None) -> DocumentT:
    """Lock a draft, number it and date it `on` (today by default), give it its kind's
    numbered status; return it, not saved yet. Call it inside the transaction that saves it.

    Raises ValidationError when it is already numbered, has no line, or the date is refused.
    """
    document = _locked(document)
    if not document.is_draft:
        raise ValidationError(document.kind.already_numbered)
    if not document.lines.exists():
        raise ValidationError(document.kind.needs_a_line)
    allocate_number(document, on=on or timezone.localdate())
    document.issued_at = timezone.now()
    document.status = document.kind.numbered_status
    return document
