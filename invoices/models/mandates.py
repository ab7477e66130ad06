"""The direct-debit and card mandates the cooperative holds for a client.

When the client's avance immédiate becomes active, URSSAF debits their share: a mandate the
cooperative still uses would debit them a second time. Such mandates are flagged "to stop"
(urssaf/registration/services/common.py `mark_active`) and wait in the admin until the staff
confirm they stopped them at the bank or the card processor.
"""

from django.db import models

from audit.fields import actor_field
from clients.fields import client_field, set_when, status_field

from .billing import PaymentMode


class MandateKind(models.TextChoices):
    DIRECT_DEBIT = PaymentMode.DIRECT_DEBIT.value, "Prélèvement SEPA"
    CARD = PaymentMode.CARD.value, "Carte bancaire (paiement récurrent)"


class MandateStatus(models.TextChoices):
    ACTIVE = "active", "En vigueur"
    TO_STOP = "to_stop", "À arrêter (avance immédiate active)"
    STOPPED = "stopped", "Arrêté"


class PaymentMandateQuerySet(models.QuerySet):
    def to_stop(self):
        return self.filter(status=MandateStatus.TO_STOP)


class PaymentMandate(models.Model):
    """A standing authorisation to debit the client (SEPA mandate or a stored card)."""

    client = client_field("payment_mandates")
    kind = models.CharField("type", max_length=20, choices=MandateKind.choices)
    reference = models.CharField(
        "référence (RUM ou contrat)", max_length=35, help_text="Référence unique du mandat."
    )
    signed_on = models.DateField("signé le", null=True, blank=True)
    status = status_field(MandateStatus.ACTIVE, "état", max_length=10)
    stop_reason = models.CharField("motif de l'arrêt", max_length=200, blank=True)
    flagged_at = models.DateTimeField("à arrêter depuis le", null=True, blank=True)
    stopped_at = models.DateTimeField("arrêté le", null=True, blank=True)
    stopped_by = actor_field("arrêt confirmé par")

    objects = PaymentMandateQuerySet.as_manager()

    class Meta:
        verbose_name = "mandat de prélèvement ou de carte"
        verbose_name_plural = "mandats de prélèvement ou de carte"
        ordering = ["client", "-signed_on", "-pk"]
        constraints = [
            set_when("flagged_at", status=MandateStatus.TO_STOP, name="mandate_to_stop_has_date"),
            set_when("stopped_at", status=MandateStatus.STOPPED, name="mandate_stopped_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"
