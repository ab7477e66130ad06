"""Render PDF documents with WeasyPrint from templates that extend pdf/print_base.html."""

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = (settings.BASE_DIR / "static" / "fonts").as_uri()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` with `context` and return the PDF bytes."""
    # Imported here: loading WeasyPrint parses its stylesheets (~0.4 s), which every web and
    # worker process would otherwise pay at start-up for a feature most requests never use.
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "font_dir": FONT_DIR})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
