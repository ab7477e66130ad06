"""Browser journeys: Debian's chromium driven by Playwright against a live portal.

No browser is downloaded: Playwright launches /usr/bin/chromium (the test command installs the
Debian package when it is missing). A screenshot of each journey's last page is saved under
test-artifacts/ (not committed).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API keeps an event loop running in the test thread; Django would otherwise
# refuse ORM calls made by the test body there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = "motdepasse-solide-42"  # the factories' password


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        # Without the networking flags chromium keeps trying to reach Google's hosts.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def journey(page, live_server, request):
    """The page of a journey; its last screen is saved as test-artifacts/<test name>.png."""
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
