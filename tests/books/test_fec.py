"""The FEC read back: 18 columns, balanced entries and journals, continuous numbering, and
totals equal to the portal's own figures for a year with avance immédiate and a recovery."""

import datetime as dt
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from books import services
from books.fec import COLUMNS, parse_amount, read_fec
from books.models import AccountingExport, AccountMapping
from invoices.models import Payment, PaymentMode, PaymentReversal, Payout, PayoutStatus

from .conftest import ZERO, invoices_of

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def export_year(sam, **options):
    return services.books_export(start=YEAR[0], end=YEAR[1], by=sam, **options)


def fec_of(export) -> list[dict[str, str]]:
    with export.fec.open("rb") as stored:
        return read_fec(stored.read())


def sums(records, journal, account) -> tuple[Decimal, Decimal]:
    debit = credit = ZERO
    for r in records:
        if r["JournalCode"] == journal and r["CompteNum"] == account:
            debit += parse_amount(r["Debit"])
            credit += parse_amount(r["Credit"])
    return debit, credit


def test_the_file_has_the_18_columns_in_order_dates_and_decimal_commas(year_2025, sam):
    export = export_year(sam)
    with export.fec.open("rb") as stored:
        content = stored.read()
    header = content.decode("iso-8859-15").split("\r\n")[0]

    assert header.split("|") == COLUMNS
    assert len(COLUMNS) == 18
    records = read_fec(content)
    assert records, "a year with invoices has entries"
    for r in records:
        for column in ("EcritureDate", "PieceDate", "ValidDate"):
            assert dt.date.fromisoformat(r[column]).year == 2025  # AAAAMMJJ
        assert "," in r["Debit"]
        assert "." not in r["Debit"]
    assert export.fec.name.endswith(".txt")
    assert "732829320FEC20251231" in export.fec.name


def test_every_entry_and_every_journal_balances_and_numbers_are_continuous(year_2025, sam):
    records = fec_of(export_year(sam))
    entries: dict[tuple[str, str], list] = defaultdict(list)
    for r in records:
        entries[(r["JournalCode"], r["EcritureNum"])].append(r)

    for lines in entries.values():
        assert sum(parse_amount(x["Debit"]) for x in lines) == sum(
            parse_amount(x["Credit"]) for x in lines
        )
        assert len({x["EcritureDate"] for x in lines}) == 1
    by_journal = defaultdict(list)
    for journal, number in entries:
        by_journal[journal].append(int(number))
    assert set(by_journal) == {"VT", "EN", "UR", "BQ", "PR"}
    for numbers in by_journal.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_the_totals_are_the_portals_own_figures(year_2025, sam):
    records = fec_of(export_year(sam))
    invoices = invoices_of(year_2025)
    kept = [i for i in invoices if i.pk != year_2025["cancelled"].pk]

    # Sales: the client account carries every invoice kept; the cancelled one nets to zero.
    debit, credit = sums(records, "VT", "411000")
    assert debit - credit == sum(i.total_ttc for i in kept) == Decimal("1030.00")
    sales_debit, sales_credit = sums(records, "VT", "706110")
    assert sales_credit - sales_debit == sum(i.total_ht for i in kept)
    vat_debit, vat_credit = sums(records, "VT", "445711")
    assert vat_credit - vat_debit == sum(i.total_tva for i in kept)

    # Receipts outside URSSAF, on the account of their mode.
    assert sums(records, "EN", "512000") == (Decimal("600.00"), ZERO)
    assert sums(records, "EN", "511500") == (Decimal("80.00"), ZERO)

    # URSSAF: both shares of each transfer, and the recovery taken back.
    ai = Payment.objects.filter(mode=PaymentMode.IMMEDIATE_ADVANCE)
    shares = sum((p.client_share + p.ai_credit_share for p in ai), ZERO)
    recovered = sum((r.payment.amount for r in PaymentReversal.objects.all()), ZERO)
    assert (
        sums(records, "UR", "467100")
        == (shares, recovered)
        == (Decimal("350.00"), Decimal("100.00"))
    )
    labels = [r["EcritureLib"] for r in records if r["JournalCode"] == "UR"]
    assert any(label.startswith("Reprise") and "111" in label for label in labels)

    # Bank: URSSAF's transfers in; the recovery and the payouts out.
    paid_out = sum((p.amount for p in Payout.objects.filter(status=PayoutStatus.PAID)), ZERO)
    assert sums(records, "BQ", "512000") == (Decimal("350.00"), recovered + paid_out)
    assert paid_out == Decimal("930.00")

    # Providers: what each paid invoice earns, less the payout cancelled by the recovery.
    owed_debit, owed_credit = sums(records, "PR", "604000")
    assert owed_debit - owed_credit == Decimal("930.00")


def test_a_sepa_batch_is_one_bank_entry_with_a_line_per_payout(year_2025, sam):
    records = fec_of(export_year(sam))
    batch = year_2025["batch"]
    lines = [r for r in records if r["PieceRef"] == batch.message_id]

    assert len({r["EcritureNum"] for r in lines}) == 1
    assert [r["CompteNum"] for r in lines] == ["401000", "401000", "512000"]
    assert parse_amount(lines[-1]["Credit"]) == batch.total
    assert lines[0]["CompAuxNum"].startswith("P")


def test_client_auxiliary_accounts_when_asked(year_2025, sam, alice):
    collective = fec_of(export_year(sam))
    assert {r["CompAuxNum"] for r in collective if r["CompteNum"] == "411000"} == {""}

    detailed = fec_of(export_year(sam, client_accounts=True, reason="le comptable les veut"))
    aux = {(r["CompAuxNum"], r["CompAuxLib"]) for r in detailed if r["CompteNum"] == "411000"}
    assert aux == {(f"C{alice.pk:07d}", f"{alice.last_name} {alice.first_names}")}


def test_the_chart_set_by_staff_is_used(year_2025, sam):
    AccountMapping.objects.create(
        key="sales:nature:petit-bricolage", number="706500", label="Bricolage"
    )
    AccountMapping.objects.create(key="bank", number="512100", label="Crédit coopératif")
    records = fec_of(export_year(sam))

    assert sums(records, "VT", "706500")[1] > 0
    assert sums(records, "BQ", "512100")[0] == Decimal("350.00")
    assert not [r for r in records if r["CompteNum"] == "512000" and r["JournalCode"] == "BQ"]


def test_a_period_is_not_exported_twice_by_mistake(year_2025, sam):
    first = export_year(sam)
    with pytest.raises(ValidationError, match="couvre déjà"):
        services.books_export(start=dt.date(2025, 12, 1), end=dt.date(2025, 12, 31), by=sam)

    again = export_year(sam, reason="paiement oublié")
    assert again.rectifies == first
    assert AccountingExport.objects.count() == 2


def test_an_export_replays_identically_until_the_records_change(year_2025, sam, carol):
    export = export_year(sam)
    assert services.books_export_unchanged(export)

    Payment.objects.filter(mode=PaymentMode.CARD).update(paid_on=dt.date(2025, 4, 3))
    assert not services.books_export_unchanged(export)


def test_the_summary_pdf_gives_each_journals_totals(year_2025, sam):
    from ..invoices.conftest import pdf_text

    export = export_year(sam)
    with export.summary.open("rb") as stored:
        text = pdf_text(stored.read())
    assert "Récapitulatif comptable du 1er janvier 2025 au 31 décembre 2025" in text
    journals = export.totals["journals"]
    for code, journal in journals.items():
        assert journal["debit"] == journal["credit"], code
    assert journals["VT"]["entries"] == 6  # five invoices and one cancellation


def test_the_csv_holds_the_same_lines_for_a_spreadsheet(year_2025, sam):
    export = export_year(sam)
    with export.csv.open("rb") as stored:
        lines = stored.read().decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == COLUMNS
    assert len(lines) - 1 == len(fec_of(export))


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_exports_of_a_period_make_one(sam, cooperative):
    errors, made = [], []

    def export():
        try:
            made.append(export_year(sam).pk)
        except ValidationError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=export) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert len(errors) == 1
    assert AccountingExport.objects.count() == 1
