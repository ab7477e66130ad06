"""Invoices, their lines, payments and reversals."""

import functools
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from audit.fields import actor_field
from clients.encryption import encrypted_field_names
from clients.fields import status_field, status_is
from clients.models import AIStatus

from .documents import (
    BillingDocument,
    BillingDocumentQuerySet,
    DocumentKind,
    ServiceLine,
    line_constraints,
)

# An invoice unpaid this long after its issue is late (the usual term between professionals,
# and what the cooperative asks of its clients).
PAYMENT_TERM = timedelta(days=30)


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


class InvoiceQuerySet(BillingDocumentQuerySet):
    def unpaid(self):
        return self.filter(status=InvoiceStatus.ISSUED)

    def before_ai_activation(self):
        """Drafts of avance immédiate clients with a service dated before the activation.

        URSSAF refuses such services: the draft is to be split (the earlier services billed
        outside the avance immédiate), or issued outside it when every service is earlier.
        """
        early = InvoiceLine.objects.filter(
            invoice=OuterRef("pk"), service_date__lt=OuterRef("client__ai_activated_on")
        )
        # A draft already marked to be paid outside it (with its reason) is settled.
        return self.filter(
            Exists(early),
            status=InvoiceStatus.DRAFT,
            client__ai_status=AIStatus.ACTIVE,
            outside_ai_reason="",
        )

    def with_before_ai_activation(self):
        """Annotate `before_ai_activation`: whether the row is one of `before_ai_activation()`."""
        flagged = Invoice.objects.before_ai_activation().filter(pk=OuterRef("pk"))
        return self.annotate(before_ai_activation=Exists(flagged))

    def with_parties(self, *parties: str):
        """Select the related `parties` ("client", "provider") for a list of invoices, without
        their encrypted fields (birth place, bank details), which no list shows."""
        from clients.models import Client, Provider

        models_of = {"client": Client, "provider": Provider}
        deferred = [
            name
            for party in parties
            for name in encrypted_field_names(models_of[party], f"{party}__")
        ]
        return self.select_related(*parties).defer(*deferred)

    def with_amount_paid(self):
        """Annotate `amount_paid_total`: the invoice's payments still standing (not reversed).

        A correlated subquery rather than a JOIN + GROUP BY: PostgreSQL computes it only for
        the rows a page shows, instead of grouping every payment of the provider first.
        """
        return self.annotate(amount_paid_total=_amount_paid())


@functools.cache
def _amount_paid() -> models.Expression:
    """The subquery of `with_amount_paid`, built once per process: building it takes the ORM
    longer than annotating a list with it (each query resolves its own copy of it)."""
    paid = (
        Payment.objects.effective()
        .filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return models.functions.Coalesce(
        Subquery(paid, output_field=models.DecimalField()),
        Decimal("0.00"),
        output_field=models.DecimalField(),
    )


class Invoice(BillingDocument):
    status = status_field(InvoiceStatus.DRAFT)
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
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name="heure du paiement complet")
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name="heure de l'annulation")
    # An avance immédiate client's invoices all go through URSSAF; one issued outside it (a
    # service before the activation, a one-off agreed payment) says why, for the audit.
    outside_ai_reason = models.TextField(
        "motif de facturation hors avance immédiate", max_length=500, blank=True
    )

    kind = DocumentKind(
        number_prefix="",
        numbered_status=InvoiceStatus.ISSUED,
        draft_label="Brouillon",
        noun="facture",
        needs_a_line="Une facture doit comporter au moins une ligne.",
        not_editable="Une facture émise ne peut plus être modifiée.",
        not_deletable="Seul un brouillon peut être supprimé.",
        already_numbered="Cette facture a déjà été émise.",
        numbered_before="une facture a déjà été émise",
    )

    # Narrows the base's manager to the invoices' own queryset methods.
    objects = InvoiceQuerySet.as_manager()  # type: ignore[misc]

    class Meta(BillingDocument.Meta):
        verbose_name = "facture"
        constraints = [
            *BillingDocument.Meta.constraints,
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
            *BillingDocument.Meta.indexes,
            models.Index(fields=["provider", "status"]),
            # The dashboard's month figures read the provider's invoices of one month.
            models.Index(fields=["provider", "issue_date"]),
            models.Index(fields=["client"]),
        ]

    # Issued and not settled: a payment may be recorded on it.
    is_payable = status_is(InvoiceStatus.ISSUED)
    # Issued and not settled; the service also refuses one with a payment or at URSSAF.
    can_be_cancelled = status_is(InvoiceStatus.ISSUED)
    is_paid = status_is(InvoiceStatus.PAID)
    is_cancelled = status_is(InvoiceStatus.CANCELLED)

    @property
    def is_overdue(self) -> bool:
        """Still unpaid PAYMENT_TERM after its issue (shown as "En retard" in the lists)."""
        return (
            self.status == InvoiceStatus.ISSUED
            and self.issue_date is not None
            and self.issue_date + PAYMENT_TERM < timezone.localdate()
        )


class InvoiceLine(ServiceLine):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name="facture"
    )

    class Meta(ServiceLine.Meta):
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de facture"
        constraints = line_constraints("line")


_MONEY_FIELD: models.DecimalField = models.DecimalField(max_digits=10, decimal_places=2)


class ManualEntry(models.Model):
    """Money recorded by hand (a payment, its reversal, a refund), and who recorded it when.

    The reference is what the person typed to find it again: a cheque number, a transfer's
    label. A task that records a payment (URSSAF's transfer) acts as nobody.
    """

    reference = models.CharField("référence", max_length=100, blank=True)
    recorded_by = actor_field("enregistré par")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="date de saisie")

    class Meta:
        abstract = True


class PaymentQuerySet(models.QuerySet):
    def effective(self):
        """Payments still standing: leave out those taken back by a PaymentReversal."""
        # NOT EXISTS, not `reversal__isnull=True`: the LEFT JOIN … IS NULL form makes PostgreSQL
        # misjudge how few payments are reversed and probe every payment (450 ms vs 28 ms
        # for a provider's month figures with 100 000 invoices; bench/pages.py).
        return self.exclude(Exists(PaymentReversal.objects.filter(payment=OuterRef("pk"))))


class Payment(ManualEntry):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="code")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name="facture"
    )
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

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "paiement"
        ordering = ["paid_on", "pk"]
        # Payments of a period (dashboard's month, attestations' year) across invoices.
        indexes = [models.Index(fields=["paid_on"])]
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


class PaymentReversal(ManualEntry):
    """A payment taken back in full: URSSAF recovered an avance immédiate after an unpaid
    direct debit, or cancelled the request after paying it (statuses 111, 112, 120).

    The payment row stays, for the history; every sum of what was paid leaves it out
    (`Payment.objects.effective()`), so the invoice is due again and the attestation does not
    count it. One reversal per payment, enforced by the one-to-one key.
    """

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name="paiement"
    )
    reversed_on = models.DateField("date de la reprise")
    reason = models.CharField("motif", max_length=200)

    class Meta:
        verbose_name = "reprise de paiement"
        verbose_name_plural = "reprises de paiement"
        ordering = ["reversed_on", "pk"]

    def __str__(self) -> str:
        return f"Reprise de {self.payment.amount} € le {self.reversed_on:%d/%m/%Y}"
