"""What the cooperative owes its providers once an invoice is paid."""

from django.db import models
from django.db.models import Q

from audit.fields import actor_field
from clients.encryption import EncryptedCharField
from clients.fields import optional_link, provider_field, set_when, status_field
from clients.validators import validate_bic, validate_iban

from .billing import Invoice


class PayoutStatus(models.TextChoices):
    DUE = "due", "À verser"
    PAID = "paid", "Versé"
    CANCELLED = "cancelled", "Annulé (paiement repris)"


class PayoutBatch(models.Model):
    """A set of payouts sent to the bank as one SEPA credit transfer file (pain.001).

    The debtor (the cooperative's account) is stored with the batch, so the file can be
    produced again exactly as it was sent.
    """

    message_id = models.CharField("identifiant du message", max_length=35, unique=True)
    execution_date = models.DateField("date d'exécution demandée")
    debtor_name = models.CharField("titulaire du compte débité", max_length=70)
    debtor_iban = EncryptedCharField("IBAN débité", max_length=34, validators=[validate_iban])
    debtor_bic = EncryptedCharField("BIC débité", max_length=11, validators=[validate_bic])
    total = models.DecimalField("montant total", max_digits=12, decimal_places=2)
    count = models.PositiveIntegerField("nombre de virements")
    created_by = actor_field("préparé par", required=True)
    created_at = models.DateTimeField("préparé le", auto_now_add=True)

    class Meta:
        verbose_name = "lot de virements aux prestataires"
        verbose_name_plural = "lots de virements aux prestataires"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gt=0) & Q(count__gt=0), name="payout_batch_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"Lot {self.message_id} ({self.count} virement(s))"


class PayoutQuerySet(models.QuerySet):
    def due(self):
        return self.filter(status=PayoutStatus.DUE)

    def late(self, now):
        """Payouts still due past their target date (the cooperative was paid over 48 h ago)."""
        return self.due().filter(due_at__lt=now)

    def for_provider(self, provider):
        return self.filter(provider=provider)


class Payout(models.Model):
    """What the cooperative owes a provider for one invoice once the invoice is paid.

    Created when the invoice becomes paid (URSSAF's transfer or a direct payment), due within
    PAYOUT_TARGET; staff mark it paid, alone or through a SEPA batch. If the payment is taken
    back before the payout, the payout is cancelled; after it, `reversed_at` flags money to
    recover from the provider.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payouts", verbose_name="facture"
    )
    provider = provider_field("payouts")
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)
    status = status_field(PayoutStatus.DUE)
    cooperative_paid_at = models.DateTimeField("encaissé par la coopérative le")
    due_at = models.DateTimeField("à verser avant le")
    paid_at = models.DateTimeField("versé le", null=True, blank=True)
    marked_by = actor_field("versement constaté par")
    batch = optional_link(PayoutBatch, "lot SEPA", on_delete=models.PROTECT, related_name="payouts")
    reversed_at = models.DateTimeField("paiement repris après versement le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="date de création")

    objects = PayoutQuerySet.as_manager()

    class Meta:
        verbose_name = "versement au prestataire"
        verbose_name_plural = "versements aux prestataires"
        ordering = ["due_at", "pk"]
        constraints = [
            # Two open payouts for one invoice would pay the provider twice.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=~Q(status=PayoutStatus.CANCELLED),
                name="one_open_payout_per_invoice",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            set_when("paid_at", status=PayoutStatus.PAID, name="payout_paid_has_date"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="payout_status_due_idx")]

    def __str__(self) -> str:
        return f"Versement de {self.amount} € — facture {self.invoice}"

    def is_late(self, now) -> bool:
        return self.status == PayoutStatus.DUE and self.due_at < now
