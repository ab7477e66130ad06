"""No template relies on inline script: the Content-Security-Policy (script-src 'self') would
block it in the browser, silently (the year selector's `onchange` did nothing for months).

Every template of the project is scanned for event-handler attributes (`onchange=`…),
`javascript:` URLs and `<script>` elements without `src`.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
HANDLER = re.compile(r"""\son[a-z]+\s*=""", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def inline_script_problems(text: str) -> list[str]:
    """Return a description of each inline script found in a template's text."""
    problems = []
    for tag in TAG.findall(text):
        if HANDLER.search(tag):
            problems.append(f"event handler attribute: {tag}")
        if JAVASCRIPT_URL.search(tag):
            problems.append(f"javascript: URL: {tag}")
    for attributes in SCRIPT.findall(text):
        if "src=" not in attributes:
            problems.append(f"inline <script{attributes}>")
    return problems


def project_templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def test_the_scan_finds_every_kind_of_inline_script():
    samples = [
        '<select name="annee" onchange="this.form.submit()">',
        '<a href="javascript:history.back()">Retour</a>',
        '<button\n  type="button" onClick="go()">',
        "<script>alert(1)</script>",
        '<script type="module">import "x";</script>',
    ]
    assert [len(inline_script_problems(sample)) for sample in samples] == [1, 1, 1, 1, 1]
    assert inline_script_problems('<script src="/static/js/forms.js" defer></script>') == []
    assert inline_script_problems('<p data-confirm="Émettre ?">Sur le bon de commande</p>') == []


def test_there_are_templates_to_scan():
    assert len(project_templates()) > 50


@pytest.mark.parametrize("template", project_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script(template):
    assert inline_script_problems(template.read_text(encoding="utf-8")) == []
