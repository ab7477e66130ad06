from decimal import Decimal

import pytest

from urssaf.guarantee import rules


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def low_threshold(monkeypatch):
    """A threshold of 150,00 €: two default invoices (75,00 € each) reach it, a third passes."""
    monkeypatch.setattr(rules, "THRESHOLD", Decimal("150.00"))
