"""Render PDF documents with WeasyPrint from templates that extend pdf/print_base.html.

The look lives in print stylesheets (pdf/print_base.css, plus one per kind of document when it
needs more), not in each page. They are parsed once per process, with the fonts they declare
loaded once into a shared FontConfiguration: a yearly batch of attestations then pays, per
document, only for its own HTML. A stylesheet edited on disk is picked up by a new process.
"""

import atexit
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.template import Engine
from django.template.loader import render_to_string

BASE_STYLESHEET = "pdf/print_base.css"
# Relative URLs in the stylesheets (the fonts) resolve against the static folder.
STYLESHEET_BASE_URL = (settings.BASE_DIR / "static").as_uri() + "/"


@dataclass
class _Renderer:
    """What WeasyPrint may share between documents of one process."""

    pid: int
    font_config: object  # weasyprint.text.fonts.FontConfiguration
    stylesheets: dict  # template name -> weasyprint.CSS


_renderer: _Renderer | None = None


def _process_renderer() -> _Renderer:
    # Per process, not per import: a forked worker must not reuse its parent's font handles.
    global _renderer
    if _renderer is None or _renderer.pid != os.getpid():
        # Imported here: loading WeasyPrint parses its own stylesheets (~0.4 s), which every web
        # process would otherwise pay at start-up for a feature most requests never use.
        from weasyprint.text.fonts import FontConfiguration

        _renderer = _Renderer(pid=os.getpid(), font_config=FontConfiguration(), stylesheets={})
    return _renderer


@atexit.register
def _release_renderer() -> None:
    # Drop WeasyPrint's font handles while the interpreter can still run their finaliser.
    global _renderer
    _renderer = None


def stylesheet_source(name: str) -> str:
    """The text of the print stylesheet `name`, found like a template (e.g. pdf/print_base.css)."""
    return Engine.get_default().get_template(name).source


def stylesheets_for(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names of the stylesheets a document uses: the shared base, then its own."""
    return (BASE_STYLESHEET, *extra)


def _parsed(renderer: _Renderer, name: str):
    css = renderer.stylesheets.get(name)
    if css is None:
        from weasyprint import CSS

        css = CSS(
            string=stylesheet_source(name),
            base_url=STYLESHEET_BASE_URL,
            font_config=renderer.font_config,
        )
        renderer.stylesheets[name] = css
    return css


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while WeasyPrint builds and lays out a document.

    A render allocates some hundred thousand boxes, styles and glyph runs, so the collector
    would run its oldest generation several times per document, each time walking every object
    of the process (Django, the ORM rows of a batch), to find almost nothing: its garbage is
    the document's own, freed as a whole once the PDF is written. Measured on the yearly batch
    (bench/attestation.py): a fifth of the CPU time of an attestation. The collector resumes
    afterwards, and collects the document's cycles at its next pass.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def html_to_pdf(html: str, stylesheets: tuple[str, ...]) -> bytes:
    """Lay out `html` with the named print stylesheets (parsed once per process) into a PDF."""
    from weasyprint import HTML

    renderer = _process_renderer()
    sheets = [_parsed(renderer, name) for name in stylesheets]
    with _collector_paused():
        document = HTML(string=html, base_url=str(settings.BASE_DIR))
        return document.write_pdf(stylesheets=sheets, font_config=renderer.font_config)


def render_html(template_name: str, context: dict) -> str:
    """The HTML of a print template, as handed to WeasyPrint."""
    return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict, *, stylesheets: tuple[str, ...] = ()) -> bytes:
    """Render `template_name` with `context` and return the PDF bytes.

    `stylesheets` names the document's own print stylesheets, applied after pdf/print_base.css.
    """
    return html_to_pdf(render_html(template_name, context), stylesheets_for(stylesheets))
