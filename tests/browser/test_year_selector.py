"""The provider's year selector on "Attestations clients" works under the strict CSP (its
inline onchange never ran): static/js/forms.js sends the form when the year changes."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_a_year_shows_that_years_attestations(journey, live_server, carol):
    page = journey
    console = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server, carol.user.email)
    page.goto(f"{live_server.url}/attestations/prestataire/")
    year = page.get_by_label("Année")
    other = year.locator("option").nth(1).get_attribute("value")

    year.select_option(other)

    expect(page).to_have_url(re.compile(rf"\?annee={other}$"))
    expect(page.get_by_role("heading", name=f"Attestations fiscales {other}")).to_be_visible()
    assert not [text for text in console if "Content Security Policy" in text]
