"""Rendered PDFs kept by content, so that downloading an unchanged document does not render it
again (WeasyPrint takes from a few hundred milliseconds to seconds per document).

The key is a hash of the HTML handed to WeasyPrint (the styles are inline in the print
templates) and of what else shapes the result: WeasyPrint's version and the fonts. A document
that changes renders different HTML, hence a new key: nothing needs invalidating. The entries
live in the "pdf" cache (a private folder under var/, bounded in entries and age).
"""

import functools
import hashlib
import logging
from importlib.metadata import version

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string

from .pdf import FONT_DIR, render_pdf

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pdf"


@functools.cache
def _renderer_fingerprint() -> str:
    fonts = sorted(
        f"{path.name}:{path.stat().st_size}"
        for path in (settings.BASE_DIR / "static" / "fonts").iterdir()
    )
    return f"weasyprint {version('weasyprint')}; fonts {','.join(fonts)}"


def render_pdf_cached(template_name: str, context: dict) -> bytes:
    """Return the PDF of `template_name` with `context`, rendered only if not already cached."""
    html = render_to_string(template_name, {**context, "font_dir": FONT_DIR})
    digest = hashlib.sha256(f"{_renderer_fingerprint()}\n{html}".encode()).hexdigest()
    cache = caches[CACHE_ALIAS]
    pdf = cache.get(digest)
    if pdf is None:
        pdf = render_pdf(template_name, context)
        cache.set(digest, pdf)
    else:
        logger.debug("PDF served from the cache for %s", template_name)
    return pdf
