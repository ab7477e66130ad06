"""French formatting for pages and PDFs: `1 234,56 €`, `31 mars 2026`."""

import re
from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.safestring import SafeData, mark_safe

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


# Text between tags; the content of these elements is left as it is.
_TAG = re.compile(
    r"(<(?:script|style|pre|textarea)\b.*?</(?:script|style|pre|textarea)>|<[^>]*>)", re.S | re.I
)
_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0]+([:;!?»])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0]+")
# Either of the two: most text between tags has neither, and is then left without a copy.
_SPACE_TO_FIX = re.compile(r"[ \u00a0][:;!?»]|«[ \u00a0]")


def _fix_spacing(text: str) -> str:
    text = _BEFORE_PUNCTUATION.sub(NARROW_NBSP + r"\1", text)
    return _AFTER_GUILLEMET.sub("«" + NARROW_NBSP, text)


@register.filter(is_safe=True)
def french_spacing(value) -> str:
    """Make the spaces of French typography unbreakable in HTML text: before : ; ! ? », after «.

    Only text between tags changes (never attributes, scripts, or form values), so the result
    is as safe as the input. `base.html` applies it to every page's content: a page without
    such a space is returned as it is, and only the pieces of text that have one are rewritten.
    """
    if not value or not _SPACE_TO_FIX.search(value):
        return value
    parts = _TAG.split(str(value))
    needs_fixing = _SPACE_TO_FIX.search
    for i in range(0, len(parts), 2):  # even items are text, odd ones the tags
        if needs_fixing(parts[i]):
            parts[i] = _fix_spacing(parts[i])
    result = "".join(parts)
    return mark_safe(result) if isinstance(value, SafeData) else result  # noqa: S308
