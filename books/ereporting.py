"""E-reporting data of a VAT-registered cooperative (B2C sales and payments received).

From 1 September 2027 a small VAT-registered company reports, per period of its VAT returns:
- its B2C transactions, as daily totals per VAT rate and category of operation;
- the payments it receives for services (VAT on services is due on receipt), with date,
  amount and VAT rate; URSSAF's avance immédiate transfers are such payments.
The portal writes the files a *plateforme agréée* imports; it does not connect to one.
The README documents the columns.
"""

import calendar
import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db.models import Q
from django.utils import timezone

from clients.models import VatReturnFrequency
from invoices.models import (
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentReversal,
    Refund,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Categories of operation of the e-invoicing specifications: services subject to VAT, and
# operations outside its scope (a 0 % line).
SERVICES, NOT_TAXABLE = "TPS1", "TNT1"

# The columns that open every row of both files: which report, whose, which period.
REPORT_COLUMNS = [
    "type_rapport",
    "reference_rapport",
    "rapport_remplace",
    "siren",
    "periode_debut",
    "periode_fin",
]
TRANSACTION_COLUMNS = [
    *REPORT_COLUMNS,
    "date",
    "categorie",
    "taux_tva",
    "montant_ht",
    "montant_tva",
    "nombre_operations",
    "devise",
]
PAYMENT_COLUMNS = [
    *REPORT_COLUMNS,
    "date_encaissement",
    "reference_facture",
    "mode",
    "taux_tva",
    "montant_encaisse_ttc",
    "montant_tva",
    "devise",
]
MONTHS_PER_PERIOD: dict[str, int] = {  # VatReturnFrequency → months
    VatReturnFrequency.MONTHLY: 1,
    VatReturnFrequency.QUARTERLY: 3,
    VatReturnFrequency.ANNUAL: 12,
}


def periods(frequency: str, today: dt.date, count: int = 8) -> list[tuple[dt.date, dt.date]]:
    """The last `count` reporting periods that have ended by `today`, newest first."""
    months = MONTHS_PER_PERIOD.get(frequency)
    if months is None:
        return []
    index = (today.year * 12 + today.month - 1) // months * months  # the current period's start
    out = []
    for _ in range(count):
        index -= months
        start = dt.date(index // 12, index % 12 + 1, 1)
        last = index + months - 1
        end_year, end_month = last // 12, last % 12 + 1
        out.append(
            (start, dt.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1]))
        )
    return out


def _category(rate: Decimal) -> str:
    return SERVICES if rate else NOT_TAXABLE


def _vat_of_ttc(ttc: Decimal, rate: Decimal) -> Decimal:
    return (ttc * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


@dataclass
class DayTotal:
    ht: Decimal = ZERO
    tva: Decimal = ZERO
    operations: int = 0


def transactions(start: dt.date, end: dt.date) -> dict[tuple[dt.date, str, Decimal], DayTotal]:
    """Daily totals per (date, category, VAT rate): issued invoices, less credit notes (and
    cancellations made before credit notes existed)."""
    totals: dict[tuple[dt.date, str, Decimal], DayTotal] = defaultdict(DayTotal)
    invoices = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(
            Q(issue_date__range=(start, end))
            | Q(status=InvoiceStatus.CANCELLED, cancelled_at__date__gte=start)
        )
        .select_related("credit_note")
        .prefetch_related("lines")
    )
    moves: list[tuple[dt.date, int, Invoice | CreditNote]] = []
    for invoice in invoices:
        if start <= invoice.issue_date <= end:
            moves.append((invoice.issue_date, 1, invoice))
        has_note = hasattr(invoice, "credit_note")
        if invoice.status == InvoiceStatus.CANCELLED and invoice.cancelled_at and not has_note:
            cancelled = timezone.localtime(invoice.cancelled_at).date()
            if start <= cancelled <= end:
                moves.append((cancelled, -1, invoice))
    notes = CreditNote.objects.filter(
        status=CreditNoteStatus.ISSUED, issue_date__range=(start, end)
    ).prefetch_related("lines")
    moves += [(note.issue_date, -1, note) for note in notes]
    for day, sign, document in moves:
        rates = set()
        for line in document.lines.all():
            total = totals[(day, _category(line.vat_rate), line.vat_rate)]
            total.ht += sign * line.total_ht
            total.tva += sign * line.total_tva
            rates.add(line.vat_rate)
        for rate in rates:
            totals[(day, _category(rate), rate)].operations += sign
    return dict(sorted(totals.items()))


def _split_by_rate(
    document: Invoice | CreditNote, amount: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """Share a payment between the document's VAT rates in proportion to their TTC."""
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in document.lines.all():
        by_rate[line.vat_rate] += line.total_ttc
    total = sum(by_rate.values(), ZERO)
    rates = sorted(by_rate)
    shares, left = [], amount
    for rate in rates[:-1]:
        share = (amount * by_rate[rate] / total).quantize(CENT, ROUND_HALF_UP) if total else ZERO
        shares.append((rate, share))
        left -= share
    shares.append((rates[-1] if rates else ZERO, left))
    return shares


@dataclass(frozen=True)
class Receipt:
    day: dt.date
    invoice_number: str
    mode: str
    rate: Decimal
    ttc: Decimal

    @property
    def tva(self) -> Decimal:
        return _vat_of_ttc(self.ttc, self.rate)


def receipts(start: dt.date, end: dt.date) -> list[Receipt]:
    """Each payment received in the period per VAT rate; a payment taken back by URSSAF or
    refunded with a credit note is negative."""
    out = []
    payments = Payment.objects.filter(paid_on__range=(start, end)).select_related("invoice")
    for payment in payments.prefetch_related("invoice__lines").order_by("paid_on", "pk"):
        for rate, share in _split_by_rate(payment.invoice, payment.amount):
            out.append(Receipt(payment.paid_on, payment.invoice.number, payment.mode, rate, share))
    reversals = PaymentReversal.objects.filter(reversed_on__range=(start, end)).select_related(
        "payment__invoice"
    )
    for reversal in reversals.prefetch_related("payment__invoice__lines").order_by(
        "reversed_on", "pk"
    ):
        payment = reversal.payment
        for rate, share in _split_by_rate(payment.invoice, payment.amount):
            out.append(
                # A paid invoice is issued, hence numbered.
                Receipt(reversal.reversed_on, payment.invoice.number, payment.mode, rate, -share)  # type: ignore[arg-type]
            )
    refunds = Refund.objects.filter(refunded_on__range=(start, end)).select_related(
        "credit_note__invoice"
    )
    for refund in refunds.prefetch_related("credit_note__lines").order_by("refunded_on", "pk"):
        note = refund.credit_note
        # A credit note cancels an issued invoice, hence numbered (invoice_issued_has_number).
        number = cast(str, note.invoice.number)
        for rate, share in _split_by_rate(note, refund.amount):
            out.append(Receipt(refund.refunded_on, number, refund.mode, rate, -share))
    return out


def _csv(columns: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def files(
    *, siren: str, start: dt.date, end: dt.date, reference: str, replaces: str = ""
) -> tuple[bytes, bytes]:
    """The transactions file and the payments file of a period (a rectifying report when it
    replaces an earlier one: it then carries the whole corrected period)."""
    head = [
        "RE" if replaces else "IN",
        reference,
        replaces,
        siren,
        f"{start:%Y%m%d}",
        f"{end:%Y%m%d}",
    ]
    sales = [
        [
            *head,
            f"{day:%Y%m%d}",
            category,
            _amount(rate),
            _amount(t.ht),
            _amount(t.tva),
            str(t.operations),
            "EUR",
        ]
        for (day, category, rate), t in transactions(start, end).items()
    ]
    paid = [
        [
            *head,
            f"{r.day:%Y%m%d}",
            r.invoice_number,
            r.mode,
            _amount(r.rate),
            _amount(r.ttc),
            _amount(r.tva),
            "EUR",
        ]
        for r in receipts(start, end)
    ]
    return _csv(TRANSACTION_COLUMNS, sales), _csv(PAYMENT_COLUMNS, paid)
