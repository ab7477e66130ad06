"""The sandbox is a separate program: it never imports the portal, and the portal never it."""

import ast
from pathlib import Path

from django.conf import settings

PRODUCT_APPS = ("clients", "invoices", "urssaf")


def imported_packages(package: str) -> dict[str, set[str]]:
    """Return, for each module file of `package`, the top-level packages it imports."""
    root = Path(settings.BASE_DIR)
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = names
    return found


def test_the_sandbox_imports_none_of_the_portals_apps():
    modules = imported_packages("sandbox")

    borrowed = {path: names & set(PRODUCT_APPS) for path, names in modules.items()}
    assert "sandbox/app.py" in modules
    assert {path: names for path, names in borrowed.items() if names} == {}


def test_no_portal_app_imports_the_sandbox():
    modules = {
        path: names for app in PRODUCT_APPS for path, names in imported_packages(app).items()
    }

    assert all(any(path.startswith(f"{app}/") for path in modules) for app in PRODUCT_APPS)
    assert [path for path, names in modules.items() if "sandbox" in names] == []
