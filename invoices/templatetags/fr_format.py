"""French formatting for pages and PDFs: `1 234,56 €`, `31 mars 2026`."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone

register = template.Library()

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
NARROW_NBSP = "\u202f"  # the thousands separator French typography uses


@register.filter
def euros(value) -> str:
    """Format an amount as `1 234,56 €` (narrow no-break space between thousands)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NARROW_NBSP.join(groups)},{cents}\u00a0€"


@register.filter
def date_fr(value) -> str:
    """Format a date (or an aware datetime, in Paris time) as `31 mars 2026`."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    assert isinstance(value, date)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


@register.filter
def month_fr(value) -> str:
    """Format a date as `mars 2026`."""
    if not value:
        return ""
    return f"{MONTHS[value.month - 1]} {value.year}"


@register.filter
def datetime_fr(value) -> str:
    """Format an aware datetime in Paris time as `5 décembre 2026 à 13 h 50`."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_fr(local)} à {local.hour} h {local.minute:02d}"
