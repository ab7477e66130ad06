"""What an attestation fiscale shows: the sums a client paid in a year, per nature and month.

Pure computation over a few prefetched queries (their number does not depend on how many
payments the client made), plus the JSON form stored beside the PDF.

How a payment is split across natures: a payment belongs to an invoice, and an invoice may mix
natures. Each payment (and, for avance immédiate, its tax-credit share) is allocated to the
invoice's lines pro rata of their TTC amounts, each share rounded to the cent; the rounding
remainder goes to the largest line so that the shares add up exactly to the payment.
"""

import datetime as dt
import typing
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q

from clients.models import Client, Cooperative
from clients.validators import mask_iban

from ..models import InvoiceLine, Payment, PaymentMode, Refund, Unit, round_cents
from ..templatetags.fr_format import euros

ZERO = Decimal("0.00")
# Modes whose money left the client's own account through the cooperative's request.
DEBIT_MODES = {PaymentMode.DIRECT_DEBIT, PaymentMode.IMMEDIATE_ADVANCE}


@dataclass
class CooperativeInfo:
    name: str
    address: str
    city: str
    siren: str
    sap_number: str
    sap_declaration_date: dt.date
    email: str
    phone: str
    signatory_name: str
    signatory_title: str


@dataclass
class NatureAmounts:
    """Lines 1 to 5 of the attestation's table for one nature of service (or the total)."""

    slug: str
    label: str
    tax_box: str
    position: int = 0
    paid: Decimal = ZERO
    ai_credit: Decimal = ZERO
    cesu: Decimal = ZERO
    apa_pch: Decimal = ZERO

    @property
    def client_paid(self) -> Decimal:
        """Line 5: what the client actually bore, after the AI credit and the aids."""
        return self.paid - self.ai_credit - self.cesu - self.apa_pch

    @property
    def declarable(self) -> Decimal:
        """The expense to declare: line 1 minus the aids (lines 3 and 4); AI is deducted later."""
        return self.paid - self.cesu - self.apa_pch


@dataclass
class ServiceRow:
    """The services of one worker, for one nature, in one month, as far as paid in the year."""

    nature_slug: str
    month: dt.date
    worker_name: str
    worker_reference: str
    days: list[int] = field(default_factory=list)
    hours: Decimal = ZERO
    flat_count: int = 0
    hourly_prices: list[Decimal] = field(default_factory=list)
    flat_prices: list[Decimal] = field(default_factory=list)
    amount: Decimal = ZERO

    @property
    def days_label(self) -> str:
        return ", ".join(str(day) for day in self.days)

    @property
    def duration_label(self) -> str:
        """`12,50 h`, `2 forfaits` or both: hours for hourly lines, a count for flat prices."""
        parts = []
        if self.hours:
            parts.append(f"{self.hours:.2f}".replace(".", ",") + "\u00a0h")
        if self.flat_count:
            parts.append(f"{self.flat_count} forfait{'s' if self.flat_count > 1 else ''}")
        return " + ".join(parts)

    @property
    def price_label(self) -> str:
        """`30,00 € / h` or `40,00 € le forfait`: the price list of the row."""
        prices = [f"{_price(price)}\u00a0/\u00a0h" for price in self.hourly_prices]
        prices += [f"{_price(price)} le forfait" for price in self.flat_prices]
        return ", ".join(prices)


def _price(price: Decimal) -> str:
    # Unit prices may carry a third decimal (URSSAF accepts it): show it rather than round it.
    if price == price.quantize(Decimal("0.01")):
        return euros(price)
    return f"{price:.3f}".replace(".", ",") + "\u00a0€"


@dataclass
class CashPayment:
    paid_on: dt.date
    amount: Decimal
    invoice_number: str


@dataclass
class AttestationFigures:
    """Everything the attestation prints, frozen at generation time."""

    year: int
    ai_grace_days: int
    cooperative: CooperativeInfo
    client_name: str
    client_address: list[str]
    debited_account: str
    natures: list[NatureAmounts]
    services: list[ServiceRow]
    cash_payments: list[CashPayment]

    @property
    def total(self) -> NatureAmounts:
        total = NatureAmounts(slug="total", label="Total", tax_box="")
        for nature in self.natures:
            total.paid += nature.paid
            total.ai_credit += nature.ai_credit
            total.cesu += nature.cesu
            total.apa_pch += nature.apa_pch
        return total

    @property
    def has_cesu(self) -> bool:
        return any(nature.cesu for nature in self.natures)

    @property
    def has_apa_pch(self) -> bool:
        return any(nature.apa_pch for nature in self.natures)

    def services_by_nature(self) -> list[tuple[NatureAmounts, list[ServiceRow]]]:
        """The services summary grouped by nature (in the table's order), then by month."""
        rows: dict[str, list[ServiceRow]] = defaultdict(list)
        for row in self.services:
            rows[row.nature_slug].append(row)
        return [(nature, rows[nature.slug]) for nature in self.natures if rows[nature.slug]]

    def to_json(self) -> dict:
        return _dump(self)

    @classmethod
    def from_json(cls, data: dict) -> "AttestationFigures":
        return _load(cls, data)


def year_window(year: int) -> tuple[dt.date, dt.date]:
    """Return [start, end) of the payments of `year`, for every mode but avance immédiate."""
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def ai_year_window(year: int) -> tuple[dt.date, dt.date]:
    """Return [start, end) of the AI payments counted in `year` (ATTESTATION_AI_YEAR_GRACE_DAYS).

    An AI payment belongs to the year URSSAF paid the cooperative; with a grace of g days, those
    received in the first g days of January N+1 count in N (and so no longer in N+1).
    """
    grace = dt.timedelta(days=settings.ATTESTATION_AI_YEAR_GRACE_DAYS)
    start, end = year_window(year)
    return start + grace, end + grace


def ai_rule_text(year: int, grace_days: int) -> str:
    """The sentence printed in the footer telling which AI payments were counted in `year`."""
    if not grace_days:
        return (
            "Avance immédiate : paiements rattachés à l'année de leur versement par l'Urssaf "
            "à la coopérative."
        )
    first = dt.date(year, 1, 1) + dt.timedelta(days=grace_days)
    last = dt.date(year + 1, 1, 1) + dt.timedelta(days=grace_days - 1)
    return (
        f"Avance immédiate : paiements versés par l'Urssaf du {first:%d/%m/%Y} "
        f"au {last:%d/%m/%Y} inclus."
    )


def payments_of_year(year: int):
    """Payments counted in `year`, AI ones by their own window; cash included (it is listed).

    A payment taken back since (URSSAF recovered its avance immédiate) was not paid: it counts
    in no year, and an attestation generated again leaves it out.
    """
    start, end = year_window(year)
    ai_start, ai_end = ai_year_window(year)
    is_ai = Q(mode=PaymentMode.IMMEDIATE_ADVANCE)
    return Payment.objects.effective().filter(
        (is_ai & Q(paid_on__gte=ai_start, paid_on__lt=ai_end))
        | (~is_ai & Q(paid_on__gte=start, paid_on__lt=end))
    )


def refunds_of_year(year: int):
    """Refunds paid back to clients in `year` (credit notes), with what the tally reads."""
    start, end = year_window(year)
    return (
        Refund.objects.filter(refunded_on__gte=start, refunded_on__lt=end)
        .select_related("credit_note__invoice__provider")
        .prefetch_related(
            Prefetch(
                "credit_note__invoice__lines", queryset=InvoiceLine.objects.select_related("nature")
            ),
            Prefetch("credit_note__invoice__payments", queryset=Payment.objects.effective()),
        )
        .order_by("refunded_on", "pk")
    )


def clients_with_paid_amounts(year: int) -> list[int]:
    """Ids of the clients who paid something attestable (anything but cash) in `year`."""
    return sorted(
        set(
            payments_of_year(year)
            .exclude(mode=PaymentMode.CASH)
            .values_list("invoice__client_id", flat=True)
        )
    )


def masked_debited_account(client: Client) -> str:
    """Return the client's debited account, masked, or "" when the portal does not know it.

    The client's IBAN arrives with the AI registration (not in the model yet); this is the one
    place to wire it, and the attestation prints the mention only when it is known.
    """
    iban = getattr(client, "iban", "")
    return mask_iban(iban) if iban else ""


def split_pro_rata(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` across `weights` to the cent so that the shares add up exactly.

    Each share is rounded half-up; the remainder (a few cents at most) goes to the largest
    weight, where it distorts the proportion least.
    """
    total = sum(weights, ZERO)
    if not total:
        raise ValueError("Cannot split an amount over weights that sum to zero.")
    shares = [round_cents(amount * weight / total) for weight in weights]
    largest = max(range(len(weights)), key=lambda index: weights[index])
    shares[largest] += amount - sum(shares, ZERO)
    return shares


def compute_figures(client: Client, year: int) -> AttestationFigures:
    """Compute what the attestation of `client` for `year` shows.

    Runs two queries whatever the number of payments (payments with their invoices, then every
    line of those invoices), one more for the refunds of credit notes (and, when there are
    some, two for their invoices' lines and payments), plus the cooperative unless `client`
    came with it selected.
    """
    payments = list(
        payments_of_year(year)
        .filter(invoice__client=client)
        .select_related("invoice__provider")
        .prefetch_related(
            Prefetch("invoice__lines", queryset=InvoiceLine.objects.select_related("nature"))
        )
        .order_by("paid_on", "pk")
    )
    tally = _Tally()
    for payment in payments:
        tally.add(payment)
    for refund in refunds_of_year(year).filter(credit_note__client=client):
        tally.subtract(refund)
    debited = any(payment.mode in DEBIT_MODES for payment in payments)
    return AttestationFigures(
        year=year,
        ai_grace_days=settings.ATTESTATION_AI_YEAR_GRACE_DAYS,
        cooperative=_cooperative_info(client.cooperative),
        client_name=client.full_name,
        client_address=client.address_lines,
        debited_account=masked_debited_account(client) if debited else "",
        natures=sorted(
            (n for n in tally.natures.values() if n.paid or n.ai_credit),
            key=lambda n: (n.position, n.slug),
        ),
        services=tally.service_rows(),
        cash_payments=tally.cash,
    )


class _Tally:
    """Accumulates the payments of one client and year into natures and service rows."""

    def __init__(self) -> None:
        self.natures: dict[str, NatureAmounts] = {}
        self.line_paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.lines: dict[int, tuple[InvoiceLine, typing.Any]] = {}
        self.cash: list[CashPayment] = []

    def add(self, payment: Payment) -> None:
        invoice = payment.invoice
        if payment.mode == PaymentMode.CASH:
            self.cash.append(CashPayment(payment.paid_on, payment.amount, invoice.number or ""))
            return
        lines = [line for line in invoice.lines.all() if line.total_ttc > 0]
        weights = [line.total_ttc for line in lines]
        credit_shares = [ZERO] * len(lines)
        if payment.mode == PaymentMode.IMMEDIATE_ADVANCE and payment.ai_credit_share:
            credit_shares = split_pro_rata(payment.ai_credit_share, weights)
        for line, share, credit in zip(
            lines, split_pro_rata(payment.amount, weights), credit_shares, strict=True
        ):
            self._add_share(payment.mode, line, invoice.provider, share, credit)

    def subtract(self, refund: Refund) -> None:
        """Take a refund off the sums paid, over the cancelled invoice's lines pro rata.

        Only what the attestation counted can come off: a refund of a cash payment (never
        counted) changes nothing, and the AI credit URSSAF paid stays as paid (it is pre-filled
        on the client's return; the refund went back outside the avance immédiate).
        """
        invoice = refund.credit_note.invoice
        counted = sum(
            (p.amount for p in invoice.payments.all() if p.mode != PaymentMode.CASH), ZERO
        )
        amount = min(refund.amount, counted)
        lines = [line for line in invoice.lines.all() if line.total_ttc > 0]
        if not amount or not lines:
            return
        shares = split_pro_rata(amount, [line.total_ttc for line in lines])
        for line, share in zip(lines, shares, strict=True):
            self._add_share(None, line, invoice.provider, -share, ZERO)

    def _add_share(self, mode, line: InvoiceLine, provider, share, credit) -> None:
        nature = line.nature
        amounts = self.natures.get(nature.slug)
        if amounts is None:
            amounts = NatureAmounts(nature.slug, nature.label, nature.tax_box, nature.position)
            self.natures[nature.slug] = amounts
        amounts.paid += share
        amounts.ai_credit += credit
        if mode == PaymentMode.CESU_PREFINANCED:
            amounts.cesu += share
        elif mode == PaymentMode.APA_PCH:
            amounts.apa_pch += share
        self.line_paid[line.pk] += share
        self.lines[line.pk] = (line, provider)

    def service_rows(self) -> list[ServiceRow]:
        rows: dict[tuple, ServiceRow] = {}
        for line_pk, paid in self.line_paid.items():
            if not paid:  # paid and refunded in the same year: no service left to attest
                continue
            line, provider = self.lines[line_pk]
            month = line.service_date.replace(day=1)
            key = (line.nature.slug, month, provider.pk)
            row = rows.get(key)
            if row is None:
                name = f"{provider.first_name} {provider.last_name}"
                row = ServiceRow(line.nature.slug, month, name, provider.worker_reference)
                rows[key] = row
            _add_line_to_row(row, line, paid)
        positions = {slug: amounts.position for slug, amounts in self.natures.items()}
        return sorted(
            rows.values(),
            key=lambda r: (positions[r.nature_slug], r.nature_slug, r.month, r.worker_name),
        )


def _add_line_to_row(row: ServiceRow, line: InvoiceLine, paid: Decimal) -> None:
    # A line only partly paid in the year counts for the same fraction of its duration, so that
    # an invoice settled across 31 December splits its hours between the two attestations.
    fraction = paid / line.total_ttc
    row.amount += paid
    if line.service_date.day not in row.days:
        row.days = sorted([*row.days, line.service_date.day])
    price = line.unit_price_ttc.quantize(Decimal("0.001"))
    if line.unit == Unit.HOUR:
        row.hours += (line.quantity * fraction).quantize(Decimal("0.01"))
        if price not in row.hourly_prices:
            row.hourly_prices = sorted([*row.hourly_prices, price])
    else:
        row.flat_count += 1
        if price not in row.flat_prices:
            row.flat_prices = sorted([*row.flat_prices, price])


def _cooperative_info(cooperative: Cooperative) -> CooperativeInfo:
    return CooperativeInfo(
        name=cooperative.legal_name,
        address=cooperative.full_address,
        city=cooperative.city,
        siren=cooperative.siren,
        sap_number=cooperative.sap_number,
        sap_declaration_date=cooperative.sap_declaration_date,
        email=cooperative.email,
        phone=cooperative.phone,
        signatory_name=cooperative.signatory_name,
        signatory_title=cooperative.signatory_title,
    )


# --- JSON form: Decimals and dates as strings, read back by the dataclasses' annotations ------


def _dump(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if is_dataclass(value):
        return {f.name: _dump(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value


def _load(kind, value):
    if kind is Decimal:
        return Decimal(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: _load(hints[name], item) for name, item in value.items()})
    if typing.get_origin(kind) is list:
        (item_kind,) = typing.get_args(kind)
        return [_load(item_kind, item) for item in value]
    return value
