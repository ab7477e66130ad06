"""The portal's navigation links, marked `aria-current` on the page (or section) being shown."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
CURRENT = mark_safe(' aria-current="page"')


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, *, exact: bool = False) -> str:
    """Render `<li><a>` to `url_name`; current when the path is the URL or, unless `exact`,
    below it (an invoice's page is in "Mes factures")."""
    url = reverse(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url or (not exact and path.startswith(url))
    return format_html(
        '<li class="nav-item"><a class="nav-link" href="{}"{}>{}</a></li>',
        url,
        CURRENT if current else "",
        label,
    )
