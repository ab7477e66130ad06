"""The billing-document base that quotes and invoices (and, later, credit notes) share.

A provider drafts a document for one of their clients, priced line by line (the lines give the
totals), then it is numbered: from then on it is the client's and never changes. Each kind
numbers its documents in its own series per cooperative and year (DocumentSequence, taken under
a row lock by invoices/services/numbering.py). What differs between the kinds is said once, in
each model's `kind` (a DocumentKind) and its own status choices.
"""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clients.fields import client_field, cooperative_field, provider_field, status_is

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

CENT = Decimal("0.01")

# "Mentions complémentaires" printed on a quote or an invoice: room for a few paragraphs. Far
# more would only slow the PDF down (1.9 MB of notes once took 12.8 s to render).
NOTES_MAX_LENGTH = 2000
# Every kind of document starts as a draft, with this status value.
DRAFT = "draft"


def round_cents(value: Decimal) -> Decimal:
    """Round a money amount to the cent, half away from zero (the French invoicing habit)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DocumentKind:
    """What tells one kind of billing document from another, said once on its model."""

    number_prefix: str  # before the year: "" gives 2026-00001, "D" gives D2026-00001
    numbered_status: str  # the status a draft takes when it gets its number
    draft_label: str  # how an unnumbered one is named: "Brouillon du 02/11/2026"
    noun: str  # "facture": heads its PDF, and names it facture-2026-00001.pdf
    # The shared services' French messages, each agreed with the kind's noun.
    needs_a_line: str
    not_editable: str
    not_deletable: str
    already_numbered: str
    numbered_before: str  # "une facture a déjà été émise", followed by " le 02/11/2026"

    def number(self, year: int, value: int) -> str:
        return f"{self.number_prefix}{year}-{value:05d}"


class BillingDocumentQuerySet(models.QuerySet):
    def for_user(self, user):
        """Documents this user may see: a provider's own, a client's numbered ones, all for
        staff; nothing for anyone else."""
        if not user.is_authenticated:
            return self.none()
        if user.is_provider:
            return self.filter(provider=user.provider)
        if user.is_client:
            return self.filter(client=user.client).exclude(status=DRAFT)
        if user.is_cooperative_staff:
            return self
        return self.none()


class BillingDocument(models.Model):
    """A quote or an invoice: parties, period, totals of its lines, and its number once given.

    A subclass sets `status = status_field(ItsStatus.DRAFT)` (clients.fields), `kind =
    DocumentKind(...)` and has a ServiceLine subclass whose foreign key to it is named `lines`
    on its side.
    """

    kind: ClassVar[DocumentKind]
    # Defined by each kind (above); declared here for the type checker only.
    status: str
    lines: "RelatedManager[ServiceLine]"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    cooperative = cooperative_field("%(class)ss")
    provider = provider_field("%(class)ss")
    client = client_field("%(class)ss")
    # NULL until numbered, so the unique constraints ignore drafts.
    number = models.CharField(  # noqa: DJ001
        "numéro", max_length=20, null=True, blank=True, editable=False
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, verbose_name="année"
    )
    sequence = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name="numéro d'ordre"
    )
    issue_date = models.DateField("date d'émission", null=True, blank=True)
    period_start = models.DateField("début de la période de service")
    period_end = models.DateField("fin de la période de service")
    total_ht = models.DecimalField(
        "total HT", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    total_tva = models.DecimalField(
        "total TVA", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    total_ttc = models.DecimalField(
        "total TTC", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    notes = models.TextField("mentions complémentaires", max_length=NOTES_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="date de création")
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name="heure d'émission")

    objects = BillingDocumentQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"],
                condition=Q(number__isnull=False),
                name="%(class)s_number_unique_per_cooperative",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="%(class)s_sequence_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(total_ht__gte=0) & Q(total_tva__gte=0) & Q(total_ttc__gte=0),
                name="%(class)s_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_ttc=F("total_ht") + F("total_tva")),
                name="%(class)s_ttc_is_ht_plus_tva",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(class)s_period_ordered",
                violation_error_message="La fin de période précède son début.",
            ),
            models.CheckConstraint(
                condition=Q(status=DRAFT) | (Q(number__isnull=False) & Q(issue_date__isnull=False)),
                name="%(class)s_issued_has_number",
            ),
        ]
        # The provider's lists show their newest documents first: read them off this index
        # instead of sorting thousands of rows for one page.
        indexes = [
            models.Index(
                fields=["provider", "-created_at", "-id"], name="%(class)s_provider_recent"
            )
        ]

    def __str__(self) -> str:
        return self.number or (
            f"{self.kind.draft_label} du {timezone.localdate(self.created_at):%d/%m/%Y}"
        )

    is_draft = status_is(DRAFT)

    @property
    def is_editable(self) -> bool:
        """Only a draft changes: once numbered, the document is the client's."""
        return self.is_draft

    @property
    def credit_share(self) -> Decimal:
        """The half of the total that the tax credit (or the avance immédiate) covers."""
        return round_cents(self.total_ttc / 2)

    @property
    def pdf_filename(self) -> str:
        if self.number:
            return f"{self.kind.noun}-{self.number}.pdf"
        return f"{self.kind.noun}-brouillon-{str(self.code)[:8]}.pdf"

    @classmethod
    def line_link(cls) -> models.ForeignKey:
        """The foreign key from this kind's lines to it (InvoiceLine.invoice, QuoteLine.quote)."""
        return cls.lines.field  # type: ignore[attr-defined]  # on the class, the descriptor


class Unit(models.TextChoices):
    # URSSAF's `unite` values.
    HOUR = "HEURE", "heure"
    FLAT = "FORFAIT", "forfait"


class ServiceLine(models.Model):
    """A line of services, priced as URSSAF wants it, on a document of any kind."""

    nature = models.ForeignKey(
        "invoices.ServiceNature", on_delete=models.PROTECT, verbose_name="nature"
    )
    description = models.CharField("description", max_length=200, blank=True)
    # Travel or supplies billed with a service of the same nature on the same document: they
    # count only as part of it (invoices.rules, "expenses_with_their_activity").
    is_expense = models.BooleanField("frais", default=False)
    service_date = models.DateField("date d'intervention")
    unit = models.CharField("unité", max_length=8, choices=Unit.choices, default=Unit.HOUR)
    quantity = models.DecimalField("quantité", max_digits=7, decimal_places=2)
    # URSSAF accepts three decimals on the unit price only (mntUnitaireTTC).
    unit_price_ttc = models.DecimalField("prix unitaire TTC", max_digits=10, decimal_places=3)
    vat_rate = models.DecimalField("taux de TVA (%)", max_digits=4, decimal_places=2)
    total_ht = models.DecimalField("total HT", max_digits=10, decimal_places=2)
    total_tva = models.DecimalField("TVA", max_digits=10, decimal_places=2)
    total_ttc = models.DecimalField("total TTC", max_digits=10, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0, verbose_name="ordre")
    # The unit price as printed (three decimals), set by invoices.printing for the templates;
    # declared here for the type checker only.
    unit_price_display: str

    class Meta:
        abstract = True
        ordering = ["position", "service_date", "pk"]

    def __str__(self) -> str:
        return f"{self.nature} — {self.quantity} {self.get_unit_display()}"

    def compute_totals(self) -> None:
        """Derive HT/TVA/TTC from quantity, unit price and VAT rate, each to the cent."""
        self.total_ttc = round_cents(self.quantity * self.unit_price_ttc)
        self.total_ht = round_cents(self.total_ttc / (1 + self.vat_rate / 100))
        self.total_tva = self.total_ttc - self.total_ht


def line_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The amounts of a line: not negative, and TTC = HT + TVA."""
    return [
        models.CheckConstraint(
            condition=Q(quantity__gt=0)
            & Q(unit_price_ttc__gte=0)
            & Q(vat_rate__gte=0)
            & Q(total_ht__gte=0)
            & Q(total_tva__gte=0)
            & Q(total_ttc__gte=0),
            name=f"{prefix}_amounts_not_negative",
        ),
        models.CheckConstraint(
            condition=Q(total_ttc=F("total_ht") + F("total_tva")),
            name=f"{prefix}_ttc_is_ht_plus_tva",
        ),
    ]


class DocumentSequence(models.Model):
    """The last number given per cooperative, kind of document and year.

    Locked while a document of that kind is numbered (invoices/services/numbering.py), so the
    numbers of a series follow one another without a gap.
    """

    cooperative = cooperative_field()
    # The numbered model's name: "invoice", "quote".
    kind = models.CharField("type de document", max_length=20)
    year = models.PositiveSmallIntegerField("année")
    last_value = models.PositiveIntegerField(default=0, verbose_name="dernier numéro attribué")

    class Meta:
        verbose_name = "numérotation"
        verbose_name_plural = "numérotations"
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "kind", "year"], name="one_sequence_per_kind_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} : {self.last_value}"
