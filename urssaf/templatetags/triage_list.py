"""The rows of a triage queue's admin list, with Django's markup at a fraction of its cost.

Django's `items_for_result` works out, for every cell of every row, what the column is (a
field, an admin method), its classes, its empty value and, for the first column, the change
page's URL and the preserved filters: a quarter of the queue page's CPU for 25 rows
(bench/pages.py). `triage_result_list` works each column out once, then fills the rows. It
renders what `{% result_list cl %}` renders, for lists without inline editing or pop-ups; the
others go through Django's own (`results`).
"""

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SAMPLE_PK = "0triagepk0"  # stands for the row's pk in the change URL, reversed once


def _column_class(name, index: int) -> str:
    """The cell's `field-…` class, as Django's admin names it (lambdas by their index)."""
    if callable(name):
        name = f"lambda{index}" if name.__name__ == "<lambda>" else name.__name__
    return f"field-{name}"


def _value_getter(name, model_admin) -> Callable[[Any], Any]:
    """The value of a column that is no model field, as lookup_field finds it."""
    if callable(name):
        return name
    if hasattr(model_admin, name) and name != "__str__":
        return getattr(model_admin, name)
    return lambda row: lookup_field(name, row, model_admin)[2]


def _cell_plan(cl, sample, index: int, name: str, tag: str | None) -> Callable[[Any], SafeString]:
    """How to render column `name` of a row, worked out on the first row (`sample`); `tag` is
    th or td for a column linking to the change page, None for the others."""
    linked = tag is not None
    """How to render column `name` of a row, worked out on the first row (`sample`)."""
    model_admin = cl.model_admin
    default_empty = model_admin.get_empty_value_display()
    field, attr, _ = lookup_field(name, sample, model_admin)
    field_class = _column_class(name, index)
    if field is None or field.auto_created:
        classes = "action-checkbox" if name == "action_checkbox" else field_class
        empty = getattr(attr, "empty_value_display", default_empty)
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)

        get = _value_getter(name, model_admin)

        def content(row) -> tuple[Any, str]:
            value = get(row)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            nowrap = isinstance(value, (datetime.date, datetime.time))
            return display_for_value(value, empty, boolean), classes + (" nowrap" * nowrap)

    else:
        nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
        classes = field_class + (" nowrap" if nowrap else "")
        related = isinstance(field.remote_field, models.ManyToOneRel)

        def content(row) -> tuple[Any, str]:
            try:
                value = getattr(row, name)
            except ObjectDoesNotExist:
                return default_empty, classes
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if related:
                return (default_empty if value is None else value), classes
            return display_for_field(value, field, default_empty, avoid_link=linked), classes

    if tag is None:
        return lambda row: format_html('<td class="{}">{}</td>', *reversed(content(row)))
    try:
        url = cl.url_for_result(_Sample(cl.pk_attname))
    except NoReverseMatch:
        return lambda row: format_html(
            "<{}{}>{}</{}>", tag, _class(content(row)[1]), content(row)[0], tag
        )
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)

    def linked_cell(row) -> SafeString:
        text, css = content(row)
        href = url.replace(_SAMPLE_PK, str(quote(getattr(row, cl.pk_attname))))
        return format_html('<{} class="{}"><a href="{}">{}</a></{}>', tag, css, href, text, tag)

    return linked_cell


class _Sample:
    """A stand-in row whose pk is _SAMPLE_PK, to reverse the change URL once per list."""

    def __init__(self, pk_attname: str) -> None:
        setattr(self, pk_attname, _SAMPLE_PK)


def _class(css: str) -> SafeString:
    return format_html(' class="{}"', css)


def _link_tags(cl) -> list[str | None]:
    """Per column, th or td if it links to the change page (as Django's `link_in_col` and
    `items_for_result` decide: the first such column is a th), None if it does not."""
    links, first, tags = cl.list_display_links, True, []
    for name in cl.list_display:
        linked = links is not None and ((first and not links) or name in links)
        tags.append(("th" if first else "td") if linked else None)
        first = first and not linked
    return tags


def _rows(cl) -> Iterator[ResultList]:
    rows = list(cl.result_list)
    if not rows:
        return
    plans = [
        _cell_plan(cl, rows[0], index, name, tag)
        for index, (name, tag) in enumerate(zip(cl.list_display, _link_tags(cl), strict=True))
    ]
    for row in rows:
        cells = "".join(plan(row) for plan in plans)
        yield ResultList(None, [mark_safe(cells)])  # noqa: S308 - each cell is format_html's


def triage_results(cl) -> dict:
    """The context of admin/change_list_results.html, as Django's result_list gives it."""
    if cl.formset or cl.is_popup or cl.to_field:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(_rows(cl)),
    }


@register.tag(name="triage_result_list")
def triage_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=triage_results,
        template_name="change_list_results.html",
        takes_context=False,
    )
