"""Rendered PDFs kept by content, so that downloading an unchanged document does not render it
again (WeasyPrint takes from a few hundred milliseconds to seconds per document).

The key is a hash of the HTML handed to WeasyPrint and of what else shapes the result: the
print stylesheets, WeasyPrint's version and the fonts. A document
that changes renders different HTML, hence a new key: nothing needs invalidating. The entries
live in the "pdf" cache (a private folder under var/, bounded in entries and age).
"""

import functools
import hashlib
import logging
from importlib.metadata import version

from django.conf import settings
from django.core.cache import caches

from .pdf import html_to_pdf, render_html, stylesheet_source, stylesheets_for

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pdf"


@functools.cache
def _renderer_fingerprint() -> str:
    fonts = sorted(
        f"{path.name}:{path.stat().st_size}"
        for path in (settings.BASE_DIR / "static" / "fonts").iterdir()
    )
    return f"weasyprint {version('weasyprint')}; fonts {','.join(fonts)}"


@functools.cache
def _stylesheets_fingerprint(names: tuple[str, ...]) -> str:
    return hashlib.sha256("\n".join(map(stylesheet_source, names)).encode()).hexdigest()


def render_pdf_cached(
    template_name: str, context: dict, *, stylesheets: tuple[str, ...] = ()
) -> bytes:
    """Return the PDF of `template_name` with `context`, rendered only if not already cached."""
    html = render_html(template_name, context)
    names = stylesheets_for(stylesheets)
    key = f"{_renderer_fingerprint()}\n{_stylesheets_fingerprint(names)}\n{html}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    cache = caches[CACHE_ALIAS]
    pdf = cache.get(digest)
    if pdf is None:
        pdf = html_to_pdf(html, names)
        cache.set(digest, pdf)
    else:
        logger.debug("PDF served from the cache for %s", template_name)
    return pdf
