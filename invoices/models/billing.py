"""Invoices, their lines, the natures of service, payments and reversals."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    """Round a money amount to the cent, half away from zero (the French invoicing habit)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Regime(models.TextChoices):
    AGREMENT = "A", "Agrément"
    DECLARATION = "D", "Déclaration"


class ServiceNature(models.Model):
    """One of the 26 SAP activities of article D7231-1 du code du travail (loaded as data)."""

    slug = models.SlugField(unique=True)
    label = models.CharField("libellé", max_length=200)
    short_label = models.CharField("libellé court", max_length=80)
    regime = models.CharField("régime", max_length=1, choices=Regime.choices)
    tax_box = models.CharField("case de la déclaration", max_length=3, blank=True)
    annual_ceiling = models.DecimalField(
        "plafond annuel spécifique", max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_hours_per_intervention = models.DecimalField(
        "durée maximale par intervention (h)", max_digits=4, decimal_places=2, null=True, blank=True
    )
    default_vat_rate = models.DecimalField("taux de TVA usuel (%)", max_digits=4, decimal_places=2)
    urssaf_code_nature = models.CharField("code nature URSSAF", max_length=5, blank=True)
    urssaf_code_activite = models.CharField("code activité URSSAF", max_length=10, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "nature de service"
        verbose_name_plural = "natures de service"
        ordering = ["position"]

    def __str__(self) -> str:
        return self.short_label


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ISSUED = "issued", "Émise"
    PAID = "paid", "Payée"
    CANCELLED = "cancelled", "Annulée"


class PaymentMode(models.TextChoices):
    TRANSFER = "virement", "Virement"
    CHEQUE = "cheque", "Chèque"
    CARD = "carte", "Carte bancaire"
    DIRECT_DEBIT = "prelevement", "Prélèvement"
    CESU = "cesu", "CESU"
    CESU_PREFINANCED = "cesu_prefinance", "CESU préfinancé"
    APA_PCH = "apa_pch", "APA / PCH versée directement"
    CASH = "especes", "Espèces"
    IMMEDIATE_ADVANCE = "avance_immediate", "Avance immédiate (URSSAF)"


class InvoiceSequence(models.Model):
    """The last number given per cooperative and year; locked while an invoice is issued."""

    cooperative = models.ForeignKey("clients.Cooperative", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} : {self.last_value}"


class InvoiceQuerySet(models.QuerySet):
    def for_user(self, user):
        """Invoices this user may see: a provider's own, a client's issued ones, all for staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_provider:
            return self.filter(provider=user.provider)
        if user.is_client:
            return self.filter(client=user.client).exclude(status=InvoiceStatus.DRAFT)
        if user.is_cooperative_staff:
            return self
        return self.none()

    def unpaid(self):
        return self.filter(status=InvoiceStatus.ISSUED)

    def with_amount_paid(self):
        """Annotate `amount_paid_total`: the invoice's payments still standing (not reversed).

        A correlated subquery rather than a JOIN + GROUP BY: PostgreSQL computes it only for
        the rows a page shows, instead of grouping every payment of the provider first.
        """
        paid = (
            Payment.objects.effective()
            .filter(invoice=OuterRef("pk"))
            .order_by()
            .values("invoice")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            amount_paid_total=models.functions.Coalesce(
                Subquery(paid, output_field=models.DecimalField()),
                Decimal("0.00"),
                output_field=models.DecimalField(),
            )
        )


# "Mentions complémentaires" printed on a quote or an invoice: room for a few paragraphs. Far
# more would only slow the PDF down (1.9 MB of notes once took 12.8 s to render).
NOTES_MAX_LENGTH = 2000


class Invoice(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cooperative = models.ForeignKey(
        "clients.Cooperative", on_delete=models.PROTECT, related_name="invoices"
    )
    provider = models.ForeignKey(
        "clients.Provider", on_delete=models.PROTECT, related_name="invoices"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(
        "statut", max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    # NULL until issued, so the unique constraint ignores drafts.
    number = models.CharField(  # noqa: DJ001
        "numéro", max_length=20, null=True, blank=True, editable=False
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
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
    # The cancelled invoice this one corrects ("Corriger et renvoyer" in the payment triage):
    # printed as "annule et remplace la facture n° …".
    replaces = models.OneToOneField(
        "self",
        verbose_name="remplace la facture",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="replaced_by",
    )
    # An acompte paid on the quote by other means: for an avance immédiate client the only
    # payment allowed outside URSSAF (tax/RULES.md §3), sent as mntAcompte (≤ 50 %) and
    # recorded as a payment when the invoice is issued.
    deposit_amount = models.DecimalField(
        "acompte reçu sur devis", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    deposit_paid_on = models.DateField("date de l'acompte", null=True, blank=True)
    deposit_mode = models.CharField(
        "mode de paiement de l'acompte", max_length=20, choices=PaymentMode.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "facture"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"],
                condition=Q(number__isnull=False),
                name="invoice_number_unique_per_cooperative",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="invoice_sequence_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(total_ht__gte=0) & Q(total_tva__gte=0) & Q(total_ttc__gte=0),
                name="invoice_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_ttc=F("total_ht") + F("total_tva")),
                name="invoice_ttc_is_ht_plus_tva",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="invoice_period_ordered",
                violation_error_message="La fin de période précède son début.",
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT)
                | (Q(number__isnull=False) & Q(issue_date__isnull=False)),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount=0)
                | (
                    Q(deposit_amount__gt=0)
                    & Q(deposit_amount__lte=F("total_ttc"))
                    & Q(deposit_paid_on__isnull=False)
                    & ~Q(deposit_mode="")
                    & ~Q(deposit_mode=PaymentMode.IMMEDIATE_ADVANCE)
                ),
                name="invoice_deposit_complete",
                violation_error_message=(
                    "Un acompte doit être positif, ne pas dépasser le total, et avoir une date "
                    "et un mode de paiement (hors avance immédiate)."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["client"]),
            # The provider's lists show their newest invoices first: read them off this index
            # instead of sorting thousands of rows for one page.
            models.Index(fields=["provider", "-created_at", "-id"], name="invoice_provider_recent"),
        ]

    def __str__(self) -> str:
        return self.number or f"Brouillon du {timezone.localdate(self.created_at):%d/%m/%Y}"

    @property
    def is_editable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def credit_share(self) -> Decimal:
        """The half of the invoice that the tax credit (or the avance immédiate) covers."""
        return round_cents(self.total_ttc / 2)


class Unit(models.TextChoices):
    # URSSAF's `unite` values.
    HOUR = "HEURE", "heure"
    FLAT = "FORFAIT", "forfait"


class ServiceLine(models.Model):
    """A line of services, priced as URSSAF wants it: on an invoice, or planned on a quote."""

    nature = models.ForeignKey(ServiceNature, on_delete=models.PROTECT, verbose_name="nature")
    description = models.CharField("description", max_length=200, blank=True)
    service_date = models.DateField("date d'intervention")
    unit = models.CharField("unité", max_length=8, choices=Unit.choices, default=Unit.HOUR)
    quantity = models.DecimalField("quantité", max_digits=7, decimal_places=2)
    # URSSAF accepts three decimals on the unit price only (mntUnitaireTTC).
    unit_price_ttc = models.DecimalField("prix unitaire TTC", max_digits=10, decimal_places=3)
    vat_rate = models.DecimalField("taux de TVA (%)", max_digits=4, decimal_places=2)
    total_ht = models.DecimalField("total HT", max_digits=10, decimal_places=2)
    total_tva = models.DecimalField("TVA", max_digits=10, decimal_places=2)
    total_ttc = models.DecimalField("total TTC", max_digits=10, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True

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


class InvoiceLine(ServiceLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = "ligne de facture"
        ordering = ["position", "service_date", "pk"]
        constraints = line_constraints("line")


_MONEY_FIELD = models.DecimalField(max_digits=10, decimal_places=2)


class PaymentQuerySet(models.QuerySet):
    def effective(self):
        """Payments still standing: leave out those taken back by a PaymentReversal."""
        # NOT EXISTS, not `reversal__isnull=True`: the LEFT JOIN … IS NULL form makes PostgreSQL
        # misjudge how few payments are reversed and probe every payment (450 ms vs 28 ms
        # for a provider's month figures with 100 000 invoices; bench/pages.py).
        return self.exclude(Exists(PaymentReversal.objects.filter(payment=OuterRef("pk"))))


class Payment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField("date du paiement")
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)
    mode = models.CharField("mode de paiement", max_length=20, choices=PaymentMode.choices)
    # For avance immédiate: what URSSAF debited from the client and what the tax credit covered.
    client_share = models.DecimalField(
        "part du client", max_digits=10, decimal_places=2, null=True, blank=True
    )
    ai_credit_share = models.DecimalField(
        "part crédit d'impôt (avance immédiate)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    reference = models.CharField("référence", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "clients.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "paiement"
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(mode=PaymentMode.IMMEDIATE_ADVANCE)
                | (
                    Q(client_share__gte=0)
                    & Q(ai_credit_share__gte=0)
                    # Cast: when Django validates this in Python, the shares of a non-AI
                    # payment become untyped NULLs that PostgreSQL cannot add.
                    & Q(
                        amount=Cast("client_share", _MONEY_FIELD)
                        + Cast("ai_credit_share", _MONEY_FIELD)
                    )
                ),
                name="ai_payment_shares_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € ({self.get_mode_display()}) le {self.paid_on:%d/%m/%Y}"

    @property
    def is_tax_justified(self) -> bool:
        """Cash is not accepted as proof for the tax credit: it stays off the attestation."""
        return self.mode != PaymentMode.CASH

    @property
    def is_reversed(self) -> bool:
        return hasattr(self, "reversal")


class PaymentReversal(models.Model):
    """A payment taken back in full: URSSAF recovered an avance immédiate after an unpaid
    direct debit, or cancelled the request after paying it (statuses 111, 112, 120).

    The payment row stays, for the history; every sum of what was paid leaves it out
    (`Payment.objects.effective()`), so the invoice is due again and the attestation does not
    count it. One reversal per payment, enforced by the one-to-one key.
    """

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reversed_on = models.DateField("date de la reprise")
    reason = models.CharField("motif", max_length=200)
    reference = models.CharField("référence", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "clients.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "reprise de paiement"
        verbose_name_plural = "reprises de paiement"
        ordering = ["reversed_on", "pk"]

    def __str__(self) -> str:
        return f"Reprise de {self.payment.amount} € le {self.reversed_on:%d/%m/%Y}"


# --- Annual tax attestations and the dated tax configuration --------------------------------
