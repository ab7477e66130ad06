import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import call_command

from clients.models import Client, Provider, Role, User
from invoices.models import Invoice, InvoiceStatus, Payment, Quote, QuoteStatus

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_builds_the_demo_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Provider.objects.count(), Client.objects.count(), Invoice.objects.count())
    payments = Payment.objects.count()

    call_command("seed_demo", stdout=io.StringIO())

    assert counts == (3, 12, Invoice.objects.count())
    assert Payment.objects.count() == payments
    # Each provider has sent a quote for next month's services, once.
    assert Quote.objects.count() == 3
    assert set(Quote.objects.values_list("status", "period_start")) == {
        (QuoteStatus.SENT, dt.date(2026, 12, 1))
    }
    assert User.objects.filter(role=Role.STAFF, is_staff=True).count() == 1
    assert Client.objects.exclude(user=None).count() == 4
    # About 14 months of history: the oldest period starts in September 2025.
    assert Invoice.objects.order_by("period_start").first().period_start == dt.date(2025, 9, 1)
    # The current month is still in draft; past months are issued or paid.
    current = Invoice.objects.filter(period_start=dt.date(2026, 11, 1))
    assert set(current.values_list("status", flat=True)) == {InvoiceStatus.DRAFT}
    assert Invoice.objects.filter(status=InvoiceStatus.PAID).count() > payments / 2


@time_machine.travel(NOW, tick=False)
def test_seed_demo_numbers_follow_issue_dates():
    call_command("seed_demo", stdout=io.StringIO())
    for year in (2025, 2026):
        issued = list(
            Invoice.objects.filter(year=year)
            .order_by("sequence")
            .values_list("sequence", "issue_date")
        )
        assert [seq for seq, _ in issued] == list(range(1, len(issued) + 1))
        dates = [day for _, day in issued]
        assert dates == sorted(dates)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_says_where_the_signup_link_will_land(settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8050"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    hint = out.getvalue()
    client = Client.objects.get(email=re.search(r"part à (\S+) :", hint).group(1))
    assert client.user is None
    assert "Espace client en libre-service (http://127.0.0.1:8050/inscription/)" in hint
    assert f"{settings.EMAIL_FILE_PATH}/" in hint
    assert "(valable 48 heures)" in hint
