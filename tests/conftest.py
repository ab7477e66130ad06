"""Personas used across the suite.

Alice and Bob are clients; Carol and Dave are providers (Carol serves Alice, Dave serves Bob);
Sam is on the cooperative's staff.
"""

import datetime as dt
from decimal import Decimal

import pytest

from clients.models import Role
from invoices import services
from invoices.services import LineData

from .factories import ClientFactory, CooperativeFactory, ProviderFactory, UserFactory, nature


@pytest.fixture(autouse=True)
def _empty_pdf_cache():
    """Each test renders its own PDFs: a cached one from an earlier test would hide a change."""
    from django.core.cache import caches

    caches["pdf"].clear()


@pytest.fixture(autouse=True)
def _no_cached_cooperative():
    """Each test's pages read its own cooperative: the one an earlier test cached was rolled
    back with that test's data, without the signal that forgets it. Forgotten after the test
    too, when the key surely names the test database."""
    from django.core.cache import cache

    from clients.context_processors import cache_key

    cache.delete(cache_key())
    yield
    cache.delete(cache_key())


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Rows from data migrations (natures, tax rules, AI eligibility), reloaded after a flush."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")  # pytest-django's DB access for this test

    from django.contrib.contenttypes.models import ContentType

    from invoices.models import ServiceNature, TaxRuleSet, TaxSubCeiling

    # A flush recreates the content types with new ids; Django's in-process cache would keep
    # handing out the old ones (audit entries and admin log rows then break their foreign key).
    ContentType.objects.clear_cache()
    from invoices.natures import load_service_natures
    from invoices.tax_rules import seed_tax_rules

    if not ServiceNature.objects.exists():
        load_service_natures(ServiceNature)
    if not TaxRuleSet.objects.exists():
        seed_tax_rules(TaxRuleSet, TaxSubCeiling, ServiceNature)

    from urssaf.models import AIEligibilityRule
    from urssaf.registration.eligibility import seed_eligibility_rules

    if not AIEligibilityRule.objects.exists():
        seed_eligibility_rules(AIEligibilityRule)


@pytest.fixture
def cooperative(db):
    return CooperativeFactory()


@pytest.fixture
def carol(cooperative):
    return ProviderFactory(
        cooperative=cooperative,
        user=UserFactory(email="carol@example.org", role=Role.PROVIDER),
        first_name="Carol",
        last_name="Martin",
    )


@pytest.fixture
def dave(cooperative):
    return ProviderFactory(
        cooperative=cooperative,
        user=UserFactory(email="dave@example.org", role=Role.PROVIDER),
        first_name="Dave",
        last_name="Bernard",
    )


@pytest.fixture
def alice(cooperative, carol):
    return ClientFactory(
        cooperative=cooperative,
        user=UserFactory(email="alice@example.org", role=Role.CLIENT),
        birth_name="Lefebvre",
        first_names="Alice Marie",
        providers=[carol],
    )


@pytest.fixture
def bob(cooperative, dave):
    return ClientFactory(
        cooperative=cooperative,
        user=UserFactory(email="bob@example.org", role=Role.CLIENT),
        civility="1",
        birth_name="Moreau",
        first_names="Bob",
        providers=[dave],
    )


@pytest.fixture
def sam(db):
    return UserFactory(email="sam@example.org", role=Role.STAFF, is_staff=True, is_superuser=True)


@pytest.fixture
def make_draft():
    """Build a draft through the service, as the provider's form does."""

    def make(provider, client, lines=None, period=None):
        start, end = period or (dt.date(2026, 11, 2), dt.date(2026, 11, 20))
        lines = lines or [
            LineData(
                nature=nature("entretien-maison"),
                service_date=start,
                quantity=Decimal("3"),
                unit_price_ttc=Decimal("25"),
                vat_rate=Decimal("10"),
            )
        ]
        return services.invoice_create_draft(
            provider=provider, client=client, period_start=start, period_end=end, lines=lines
        )

    return make


@pytest.fixture
def make_quote():
    """Build a draft quote through the service, as the provider's form does."""

    def make(provider, client, lines=None, period=None, valid_until=None):
        start, end = period or (dt.date(2026, 12, 1), dt.date(2026, 12, 18))
        lines = lines or [
            LineData(
                nature=nature("jardinage"),
                service_date=start,
                quantity=Decimal("4"),
                unit_price_ttc=Decimal("30"),
                vat_rate=Decimal("10"),
                description="Taille de la haie",
            )
        ]
        return services.quote_create_draft(
            provider=provider,
            client=client,
            period_start=start,
            period_end=end,
            lines=lines,
            valid_until=valid_until,
        )

    return make


@pytest.fixture
def alice_invoice(carol, alice, make_draft):
    """An issued invoice from Carol to Alice: 3 h of housework at 25 € = 75 € TTC."""
    return services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (tasks, e-mails) of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
