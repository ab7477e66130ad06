"""The issue's proof: staff export the demo cooperative's last year from the admin, and the
files pass every check against the portal's own figures."""

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from books.fec import parse_amount, read_fec
from books.models import AccountingExport, EReport
from clients.models import User
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentMode

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
ZERO = Decimal("0.00")


@time_machine.travel(NOW, tick=False)
def test_the_demo_cooperatives_last_year_exports_and_checks_out(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(email="equipe@demo.coop"))
    answer = client.post(
        reverse("admin:books_accountingexport_add"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert answer.status_code == 302
    export = AccountingExport.objects.get()
    fec = client.get(reverse("admin:books_accountingexport_download", args=[export.pk, "fec"]))
    records = read_fec(b"".join(fec.streaming_content))

    entries, journals = defaultdict(lambda: [ZERO, ZERO]), defaultdict(lambda: [ZERO, ZERO])
    by_account = defaultdict(lambda: ZERO)
    for r in records:
        debit, credit = parse_amount(r["Debit"]), parse_amount(r["Credit"])
        for totals in (entries[(r["JournalCode"], r["EcritureNum"])], journals[r["JournalCode"]]):
            totals[0] += debit
            totals[1] += credit
        by_account[(r["JournalCode"], r["CompteNum"])] += debit - credit
    assert all(debit == credit for debit, credit in entries.values())
    assert all(debit == credit for debit, credit in journals.values())
    for journal in journals:
        numbers = sorted(int(num) for code, num in entries if code == journal)
        assert numbers == list(range(1, len(numbers) + 1))

    issued = Invoice.objects.filter(issue_date__year=2025).exclude(status=InvoiceStatus.CANCELLED)
    assert issued.exists()
    assert by_account[("VT", "411000")] == issued.aggregate(s=Sum("total_ttc"))["s"]
    paid = Payment.objects.filter(paid_on__year=2025)
    ai = paid.filter(mode=PaymentMode.IMMEDIATE_ADVANCE).aggregate(s=Sum("amount"))["s"] or ZERO
    direct = paid.exclude(mode=PaymentMode.IMMEDIATE_ADVANCE).aggregate(s=Sum("amount"))["s"]
    assert by_account[("UR", "467100")] == ai
    assert -by_account[("EN", "411000")] == (direct or ZERO)

    # The quarter's e-reporting (the demo cooperative files quarterly VAT returns).
    client.post(reverse("admin:books_ereport_add"), {"period": "2025-10-01"})
    assert EReport.objects.get().period_end == dt.date(2025, 12, 31)
