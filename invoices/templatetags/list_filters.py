"""The invoice list's filter fields, rendered by crispy-forms once per distinct filter.

crispy-forms renders each field through a dozen nested templates: a fifth of the invoice list's
CPU (bench/pages.py). The fields' markup depends on nothing but the three values typed (their
errors included), so it is rendered once per distinct set of values and kept, a few hundred
sets at most.
"""

from functools import lru_cache

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from ..forms import InvoiceFilterForm

register = template.Library()

FIELDS = ("status", "month", "follow_up")
_COLUMNS = "".join(
    f'<div class="col-md-3">{{{{ form.{name}|as_crispy_field }}}}</div>\n    ' for name in FIELDS
)


@lru_cache(maxsize=1)
def _template():
    return engines["django"].from_string("{% load crispy_forms_filters %}" + _COLUMNS)


@lru_cache(maxsize=256)
def _render(values: tuple[str | None, ...]) -> SafeString:
    data = {name: value for name, value in zip(FIELDS, values, strict=True) if value is not None}
    form = InvoiceFilterForm(data)
    form.is_valid()  # its errors are shown under the fields, as on the page's own form
    return mark_safe(_template().render({"form": form}))  # noqa: S308 - rendered by the engine


@register.simple_tag
def invoice_filter_fields(form: InvoiceFilterForm) -> SafeString:
    """The filter form's three columns, as `{{ form.<field>|as_crispy_field }}` renders them."""
    return _render(tuple(form.data.get(name) for name in FIELDS))
