"""Sweep: every page a client, a provider and the staff reach by links, on a phone and a laptop.

The demo portal is seeded (`seed_demo`), each persona logs in and follows the links of the pages
it sees, breadth first and bounded (a few URLs per kind of page). Each HTML page is checked at
360 px and 1280 px wide: no HTTP 5xx, no horizontal scroll, no console error (a CSP violation is
one), no serious or critical axe-core violation. A screenshot of each page at each width is saved
under test-artifacts/sweep/ (not committed). Files (PDF, CSV, XML) are fetched and checked for
5xx only.

axe-core is the copy bundled in the pinned `axe-playwright-python` package: nothing is fetched.
"""

import io
import re
from collections import deque
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.core.management import call_command

from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "demo-sap-2026"
PERSONAS = {
    "client": ("alice.lefebvre@demo.coop", 25),
    "provider": ("sophie.martin@demo.coop", 40),
    "staff": ("equipe@demo.coop", 65),
}
WIDTHS = (360, 1280)
# How many URLs of one kind (same path once ids are masked, same query keys) are visited.
PER_KIND = 2
# Links that end the session, or only change a list's order.
# Django's own apps (groups, login attempts) are not the portal's pages.
SKIPPED = re.compile(
    r"/deconnexion/|/admin/logout/|/admin/jsi18n/|/admin/(auth|axes)/|[?&]o=|[?&]_popup="
)
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")
AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa", "best-practice"]}
# Widgets that Django's admin ships as they are (the select2 autocomplete, the tooltip icon of
# the two-box selector): not the portal's markup, so not audited.
AXE_CONTEXT = {"exclude": [[".select2-container"], [".help-tooltip"]]}

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .filter(el => !el.closest(".visually-hidden"))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim()
      .replace(/\\s+/g, '.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    return ID.sub("#", parts.path) + "?" + ",".join(sorted(k for k, _ in parse_qsl(parts.query)))


def same_site(url: str, base: str) -> str | None:
    """The URL without its fragment if it belongs to the portal, else None."""
    absolute = urljoin(base, url)
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != base or SKIPPED.search(absolute):
        return None
    if parts.path == "/":
        return None  # the home page only sends each role to its front page
    query = urlencode(sorted(parse_qsl(parts.query)))
    return f"{base}{parts.path}" + (f"?{query}" if query else "")


def check_page(page, url: str, name: str, errors: list[str], console: list[str]) -> list[str]:
    """Open an HTML page at each width; return the links it holds."""
    links: list[str] = []
    for width in WIDTHS:
        console.clear()
        page.set_viewport_size({"width": width, "height": 844 if width < 400 else 900})
        response = page.goto(url)
        where = f"{name} at {width} px ({url})"
        if response is None or response.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            errors.append(f"{where}: HTTP {response and response.status}")
            continue
        if overflow := page.evaluate(OVERFLOW_JS):
            errors.append(f"{where}: scrolls sideways, widest {overflow}")
        violations = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in AXE.run(page, context=AXE_CONTEXT, options=AXE_OPTIONS).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if violations:
            errors.append(f"{where}: axe {violations}")
        if console:
            errors.append(f"{where}: console {console}")
        page.screenshot(path=str(ARTIFACTS / "sweep" / f"{name}-{width}.png"), full_page=True)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    return links


@pytest.mark.parametrize("role", PERSONAS)
def test_every_reachable_page_fits_phones_and_laptops_and_passes_axe(role, page, live_server):
    cache.clear()  # login rate limits
    call_command("seed_demo", stdout=io.StringIO())
    email, budget = PERSONAS[role]
    (ARTIFACTS / "sweep").mkdir(parents=True, exist_ok=True)
    for old in (ARTIFACTS / "sweep").glob(f"{role}-*.png"):
        old.unlink()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console.append(msg.text))
    page.on("pageerror", lambda exc: console.append(str(exc)))
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    base = live_server.url
    start = same_site(page.url, base)  # the role's front page
    # Pages first, then the same pages filtered or paged (?status=…): the budget reaches every
    # kind of page before it goes to variants of one.
    pages, variants = deque([start]), deque()
    seen, kinds, errors, visited = {start, f"{base}/"}, {}, [], 0
    while (pages or variants) and visited < budget:
        url = (pages or variants).popleft()
        kind = kind_of(url)
        if kinds.get(kind, 0) >= PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        head = page.request.get(url, max_redirects=0)
        if head.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            errors.append(f"{url}: HTTP {head.status}")
            continue
        if "text/html" not in head.headers.get("content-type", "") and head.status < 300:
            continue  # a file: its status is all there is to check
        visited += 1
        slug = re.sub(r"[^a-z0-9]+", "-", ID.sub("x", urlsplit(url).path)).strip("-")
        name = f"{role}-{visited:02d}-{slug}"
        for href in check_page(page, url, name, errors, console):
            link = same_site(href, base)
            if link and link not in seen:
                seen.add(link)
                (variants if "?" in link else pages).append(link)

    assert not errors, "\n".join(errors)
    assert visited >= 5, f"only {visited} pages reached as {role}"
