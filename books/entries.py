"""The accounting entries of a period, built from the portal's own records.

Journals:
- VT ventes: each issued invoice (client debited TTC; sales per VAT rate or nature and VAT
  collected credited), and each credit note (avoir) the other way round;
- EN encaissements: payments received directly, on the account of their mode, and the refunds
  of credit notes paid back the same way;
- UR URSSAF: for each avance immédiate transfer, the client's share and the tax-credit share
  move from the client's account to URSSAF's; recoveries (111, 112, 120) reverse it;
- BQ banque: URSSAF's transfers and recoveries, payouts to providers (one entry per SEPA batch);
- PR prestataires: what each paid invoice earns its provider, its cancellation or recovery.

Every entry balances (checked here, before anything is written); entries are numbered
continuously per journal in date order, so the same records always give the same file.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db.models import Q
from django.utils import timezone

from invoices.models import (
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    PaymentReversal,
    Payout,
    PayoutStatus,
    Refund,
)

from .accounts import Account, Chart

ZERO = Decimal("0.00")

JOURNALS: dict[str, str] = {
    "VT": "Ventes",
    "EN": "Encaissements",
    "UR": "URSSAF avance immédiate",
    "BQ": "Banque",
    "PR": "Prestataires",
}


class UnbalancedEntry(Exception):
    """An entry whose debits and credits differ: a bug or corrupted data, never exported."""


@dataclass(frozen=True)
class Line:
    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    aux: Account | None = None


@dataclass
class Entry:
    journal: str
    date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    lines: list[Line] = field(default_factory=list)
    number: int = 0

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    def reversed(self, date: dt.date, label: str) -> "Entry":
        lines = [Line(x.account, x.credit, x.debit, x.aux) for x in self.lines]
        return Entry(self.journal, date, self.piece_ref, self.piece_date, label, lines)


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


class Ledger:
    """Builds the entries of [start, end] with a chart; `entries()` returns them numbered."""

    def __init__(self, chart: Chart, start: dt.date, end: dt.date, client_accounts: bool):
        self.chart, self.start, self.end = chart, start, end
        self.client_accounts = client_accounts

    def _in_period(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def _client(self, client) -> Account | None:
        if not self.client_accounts:
            return None
        return Account(f"C{client.pk:07d}", f"{client.last_name} {client.first_names}"[:100])

    @staticmethod
    def _provider(provider) -> Account:
        return Account(f"P{provider.worker_reference}"[:20], provider.display_name[:100])

    # -- sales ---------------------------------------------------------------------------
    def _sale(self, document: Invoice | CreditNote, label: str) -> Entry:
        """The sale of an invoice; for a credit note, reverse it (`_sale(...).reversed`)."""
        credits: dict[Account, Decimal] = defaultdict(lambda: ZERO)
        for line in document.lines.all():
            credits[self.chart.sales(line.vat_rate, line.nature.slug)] += line.total_ht
            if line.total_tva:
                credits[self.chart.vat(line.vat_rate)] += line.total_tva
        client = self._client(document.client)
        lines = [Line(self.chart["clients"], debit=document.total_ttc, aux=client)]
        lines += [Line(account, credit=amount) for account, amount in credits.items()]
        # Only issued documents are sold: dated and numbered (constraint *_issued_has_number).
        day, number = cast(dt.date, document.issue_date), cast(str, document.number)
        return Entry("VT", day, number, day, f"{label} {document.client.last_name}", lines)

    def sales(self) -> list[Entry]:
        invoices = (
            Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
            .filter(
                Q(issue_date__range=(self.start, self.end))
                | Q(status=InvoiceStatus.CANCELLED, cancelled_at__date__gte=self.start)
            )
            .select_related("client", "credit_note")
            .prefetch_related("lines__nature")
            .order_by("issue_date", "sequence", "pk")
        )
        entries = []
        for invoice in invoices:
            sale = self._sale(invoice, f"Facture {invoice.number}")
            if self._in_period(invoice.issue_date):
                entries.append(sale)
            if self._cancelled_without_credit_note(invoice):
                day = _local_date(invoice.cancelled_at)
                if self._in_period(day):
                    entries.append(sale.reversed(day, f"Annulation facture {invoice.number}"))
        credit_notes = (
            CreditNote.objects.filter(
                status=CreditNoteStatus.ISSUED, issue_date__range=(self.start, self.end)
            )
            .select_related("client", "invoice")
            .prefetch_related("lines__nature")
            .order_by("issue_date", "sequence", "pk")
        )
        for note in credit_notes:
            label = f"Avoir {note.number} (facture {note.invoice.number})"
            entries.append(self._sale(note, label).reversed(note.issue_date, label))
        return entries

    @staticmethod
    def _cancelled_without_credit_note(invoice: Invoice) -> bool:
        """Cancelled before credit notes existed: the cancellation itself reverses the sale."""
        return (
            invoice.status == InvoiceStatus.CANCELLED
            and invoice.cancelled_at is not None
            and not hasattr(invoice, "credit_note")
        )

    # -- receipts and URSSAF -------------------------------------------------------------
    def _receipt(self, payment: Payment) -> list[Entry]:
        invoice = payment.invoice
        client = Line(
            self.chart["clients"], credit=payment.amount, aux=self._client(invoice.client)
        )
        ref: str = invoice.number  # type: ignore[assignment]  # paid, hence issued: numbered
        day = payment.paid_on
        if payment.mode != PaymentMode.IMMEDIATE_ADVANCE:
            debit = Line(self.chart.receipt(payment.mode), debit=payment.amount)
            label = f"Règlement {payment.get_mode_display().lower()} facture {ref}"
            return [Entry("EN", day, ref, day, label, [debit, client])]
        urssaf = self.chart["urssaf"]
        shares = [
            Line(urssaf, debit=payment.client_share or ZERO),
            Line(urssaf, debit=payment.ai_credit_share or ZERO),
        ]
        return [
            Entry("UR", day, ref, day, f"Avance immédiate facture {ref}", [*shares, client]),
            Entry(
                "BQ",
                day,
                ref,
                day,
                f"Virement URSSAF facture {ref}",
                [
                    Line(self.chart["bank"], debit=payment.amount),
                    Line(urssaf, credit=payment.amount),
                ],
            ),
        ]

    def receipts(self) -> list[Entry]:
        payments = Payment.objects.select_related("invoice__client").order_by("paid_on", "pk")
        entries = []
        for payment in payments.filter(paid_on__range=(self.start, self.end)):
            entries += self._receipt(payment)
        reversals = (
            PaymentReversal.objects.filter(reversed_on__range=(self.start, self.end))
            .select_related("payment__invoice__client")
            .order_by("reversed_on", "pk")
        )
        for reversal in reversals:
            for entry in self._receipt(reversal.payment):
                label = f"Reprise {entry.label[0].lower()}{entry.label[1:]} : {reversal.reason}"
                entries.append(entry.reversed(reversal.reversed_on, label[:200]))
        refunds = (
            Refund.objects.filter(refunded_on__range=(self.start, self.end))
            .select_related("credit_note__client")
            .order_by("refunded_on", "pk")
        )
        for refund in refunds:
            note, day = refund.credit_note, refund.refunded_on
            lines = [
                Line(self.chart["clients"], debit=refund.amount, aux=self._client(note.client)),
                Line(self.chart.receipt(refund.mode), credit=refund.amount),
            ]
            # A refunded credit note is issued, hence numbered (creditnote_issued_has_number).
            number = cast(str, note.number)
            label = f"Remboursement {refund.get_mode_display().lower()} avoir {number}"
            entries.append(Entry("EN", day, number, day, label, lines))
        return entries

    # -- providers -----------------------------------------------------------------------
    def _owed(self, payout: Payout) -> Entry:
        day = _local_date(payout.cooperative_paid_at)
        number: str = payout.invoice.number  # type: ignore[assignment]  # paid out: issued
        lines = [
            Line(self.chart["provider_costs"], debit=payout.amount),
            Line(
                self.chart["providers"], credit=payout.amount, aux=self._provider(payout.provider)
            ),
        ]
        return Entry("PR", day, number, day, f"Dû au prestataire facture {number}", lines)

    def providers(self) -> list[Entry]:
        period = (self.start, self.end)
        payouts = list(
            Payout.objects.filter(
                Q(cooperative_paid_at__date__range=period)
                | Q(paid_at__date__range=period)
                | Q(reversed_at__date__range=period)
                | Q(status=PayoutStatus.CANCELLED, cooperative_paid_at__date__lte=self.end)
            )
            .select_related("invoice", "provider", "batch")
            .order_by("cooperative_paid_at", "pk")
        )
        stopped = self._stopped_on(
            [p.invoice_id for p in payouts if p.status == PayoutStatus.CANCELLED]
        )
        entries, batches = [], defaultdict(list)
        for payout in payouts:
            owed = self._owed(payout)
            if self._in_period(owed.date):
                entries.append(owed)
            cancelled_on = None
            if payout.status == PayoutStatus.CANCELLED:
                cancelled_on = stopped.get(payout.invoice_id, owed.date)
            if cancelled_on and self._in_period(cancelled_on):
                entries.append(
                    owed.reversed(cancelled_on, f"Annulation dû facture {owed.piece_ref}")
                )
            if payout.reversed_at and self._in_period(_local_date(payout.reversed_at)):
                label = f"Paiement repris après versement facture {owed.piece_ref} : à récupérer"
                entries.append(owed.reversed(_local_date(payout.reversed_at), label))
            if payout.status == PayoutStatus.PAID and self._in_period(_local_date(payout.paid_at)):
                if payout.batch_id:
                    batches[payout.batch].append(payout)
                else:
                    entries.append(self._paid([payout], payout.invoice.number, "Versement"))
        for batch, paid in batches.items():
            entries.append(self._paid(paid, batch.message_id, f"Lot SEPA {batch.message_id}"))
        return entries

    @staticmethod
    def _stopped_on(invoice_ids: list[int]) -> dict[int, dt.date]:
        """When each invoice's cancelled payout stopped being owed: the refund of its credit
        note, else the first recovery of its payment (two queries for the whole period)."""
        stopped: dict[int, dt.date] = {}
        reversals = PaymentReversal.objects.filter(payment__invoice__in=invoice_ids).order_by(
            "-reversed_on", "-pk"
        )
        for invoice_id, day in reversals.values_list("payment__invoice", "reversed_on"):
            stopped[invoice_id] = day  # the earliest wins: latest first, overwritten
        refunds = Refund.objects.filter(credit_note__invoice__in=invoice_ids)
        stopped.update(refunds.values_list("credit_note__invoice", "refunded_on"))
        return stopped

    def _paid(self, payouts: list[Payout], ref: str, label: str) -> Entry:
        day = max(_local_date(p.paid_at) for p in payouts)  # type: ignore[arg-type]  # paid: dated
        total = sum((p.amount for p in payouts), ZERO)
        lines = [
            Line(self.chart["providers"], debit=p.amount, aux=self._provider(p.provider))
            for p in payouts
        ]
        lines.append(Line(self.chart["bank"], credit=total))
        if len(payouts) == 1:
            label = f"{label} facture {payouts[0].invoice.number}"
        return Entry("BQ", day, ref, day, label, lines)

    # -- all -----------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        entries = [
            entry
            for entry in [*self.sales(), *self.receipts(), *self.providers()]
            if any(line.debit or line.credit for line in entry.lines)
        ]
        for entry in entries:
            entry.lines = [line for line in entry.lines if line.debit or line.credit]
            if entry.debit != entry.credit:
                raise UnbalancedEntry(
                    f"{entry.journal} {entry.piece_ref}: "
                    f"debit {entry.debit} != credit {entry.credit}"
                )
        order = list(JOURNALS)
        entries.sort(key=lambda e: (order.index(e.journal), e.date, e.piece_ref, e.label))
        counters: dict[str, int] = defaultdict(int)
        for entry in entries:
            counters[entry.journal] += 1
            entry.number = counters[entry.journal]
        entries.sort(key=lambda e: (e.date, order.index(e.journal), e.number))
        return entries
