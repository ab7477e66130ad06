"""Credit notes (avoirs): the document that cancels an issued invoice, and the refund it records.

An issued invoice is never changed nor deleted: it is cancelled by a credit note of the same
amounts (its lines copied), numbered in its own gap-free series ("AV-2026-00001"), which names
the invoice it cancels. When the client had already paid, the money that goes back to them
outside the avance immédiate is a Refund of that credit note. Amounts are positive, like an
invoice's: a credit note's totals are to be read as negative (the accounting export does so).
"""

import uuid

from django.db import models
from django.db.models import Q

from audit.fields import actor_field
from clients.fields import status_field

from .billing import Invoice, ManualEntry, PaymentMode
from .documents import BillingDocument, DocumentKind, ServiceLine, line_constraints


class CreditNoteStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ISSUED = "issued", "Émis"


class CreditNoteReason(models.TextChoices):
    CONTESTED = "contested", "Demande de paiement contestée par le client"
    URSSAF_CANCELLED = "urssaf_cancelled", "Demande de paiement annulée à l'URSSAF"
    REFUSED_AT_SENDING = "refused_at_sending", "Demande de paiement refusée à l'envoi"
    INVOICE_ERROR = "invoice_error", "Erreur constatée sur la facture"
    WRONG_AFTER_PAYMENT = "wrong_after_payment", "Erreur constatée après le paiement"
    CANCELLED = "cancelled", "Facture annulée avant tout paiement"


class CreditNote(BillingDocument):
    status = status_field(CreditNoteStatus.DRAFT)
    # One credit note cancels one invoice in full; the one-to-one key makes a second impossible.
    invoice = models.OneToOneField(
        Invoice,
        verbose_name="facture annulée",
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    reason = models.CharField("motif", max_length=24, choices=CreditNoteReason.choices)
    reason_detail = models.CharField("précision sur le motif", max_length=200, blank=True)
    issued_by = actor_field("émis par")

    kind = DocumentKind(
        number_prefix="AV-",
        numbered_status=CreditNoteStatus.ISSUED,
        draft_label="Avoir en brouillon",
        noun="avoir",
        needs_a_line="Un avoir doit comporter au moins une ligne.",
        not_editable="Un avoir émis ne peut plus être modifié.",
        not_deletable="Un avoir émis ne peut pas être supprimé.",
        already_numbered="Cet avoir a déjà été émis.",
        numbered_before="un avoir a déjà été émis",
    )

    class Meta(BillingDocument.Meta):
        verbose_name = "avoir"
        verbose_name_plural = "avoirs"

    @property
    def reason_text(self) -> str:
        """The reason as printed: its label, then the detail typed by whoever issued it."""
        label = self.get_reason_display()
        return f"{label} — {self.reason_detail}" if self.reason_detail else label


class CreditNoteLine(ServiceLine):
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.CASCADE, related_name="lines", verbose_name="avoir"
    )

    class Meta(ServiceLine.Meta):
        verbose_name = "ligne d'avoir"
        verbose_name_plural = "lignes d'avoir"
        constraints = line_constraints("credit_note_line")


# How money goes back to a client outside the avance immédiate.
REFUND_MODES = (
    PaymentMode.TRANSFER,
    PaymentMode.CHEQUE,
    PaymentMode.CARD,
    PaymentMode.CASH,
)


class Refund(ManualEntry):
    """Money paid back to the client for an invoice cancelled by a credit note.

    Dated by when it left the cooperative: the attestation of that year counts it against the
    sums paid (tax/RULES.md §4: payment dates, not invoice dates).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    credit_note = models.OneToOneField(
        CreditNote, on_delete=models.PROTECT, related_name="refund", verbose_name="avoir"
    )
    amount = models.DecimalField("montant remboursé", max_digits=10, decimal_places=2)
    refunded_on = models.DateField("date du remboursement")
    mode = models.CharField(
        "mode de remboursement",
        max_length=20,
        choices=[(mode.value, mode.label) for mode in REFUND_MODES],
    )

    class Meta:
        verbose_name = "remboursement au client"
        verbose_name_plural = "remboursements aux clients"
        ordering = ["refunded_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Remboursement de {self.amount} € le {self.refunded_on:%d/%m/%Y}"
