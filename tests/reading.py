"""Page text as a reader sees it, for assertions on wording."""

import html
import re


def as_read(value) -> str:
    """Entities decoded and every run of white space — line breaks, indents, the no-break and
    narrow no-break spaces of French typography — read as one space."""
    text = value.content.decode() if hasattr(value, "content") else value
    return re.sub(r"\s+", " ", html.unescape(text))
