"""Where invoices meet URSSAF: what the screens call instead of the invoices services alone.

The invoices app knows nothing of URSSAF (it sits below this app). Issuing an invoice of an
avance immédiate client must also create its payment request, in the same transaction; and
while URSSAF pays an invoice, neither an ordinary payment nor a cancellation may be recorded
on it. Views, the admin and the demo data call these; the invoices services stay usable alone
for what URSSAF has no say in (drafts, deposits, the books URSSAF's own payment writes).
"""

from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit
from clients.models import User
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus, Payment, PaymentMode
from invoices.services import DepositData, LineData
from invoices.services.documents import draft_lock

from .money import ordinary_payment_refusal
from .submission import payment_request_create

CANCEL_REFUSED = (
    "Cette facture est transmise à l'URSSAF pour l'avance immédiate : elle ne peut pas être "
    "annulée tant que la demande de paiement est en cours."
)


@transaction.atomic
def invoice_issue_and_submit(*, invoice: Invoice, by: User, on: date | None = None) -> Invoice:
    """Issue a draft (`invoices.services.invoice_issue`) and, for an avance immédiate client,
    create its payment request, sent to URSSAF after the commit.

    Returns the issued invoice. Raises ValidationError as the issue does, or with the French
    reasons of a failed pre-flight check of the avance immédiate (nothing is saved then).
    """
    invoice = invoice_services.invoice_issue(invoice=invoice, by=by, on=on)
    if invoice.client.has_active_ai and invoice.outside_ai_reason:
        # Billed outside the avance immédiate for a stated reason: no request, said in the audit.
        audit(
            actor=by,
            action="invoices.invoice.issued_outside_ai",
            obj=invoice,
            note=invoice.outside_ai_reason,
        )
        return invoice
    payment_request_create(invoice=invoice, by=by)
    return invoice


@transaction.atomic
def invoice_cancel_unless_at_urssaf(*, invoice: Invoice, by: User) -> Invoice:
    """Cancel an issued invoice (`invoices.services.invoice_cancel`) unless URSSAF pays it.

    Raises ValidationError while a payment request of the invoice is live, or as the
    cancellation does.
    """
    _refuse_while_urssaf_pays(invoice, CANCEL_REFUSED)
    return invoice_services.invoice_cancel(invoice=invoice, by=by)


@transaction.atomic
def payment_record_unless_at_urssaf(*, invoice: Invoice, mode: str, **payment: Any) -> Payment:
    """Record a payment received outside URSSAF (`invoices.services.payment_record`, whose
    other keyword arguments `payment` holds: amount, paid_on, by, reference).

    Raises ValidationError, the French reason first, for an ordinary payment on an invoice
    URSSAF is paying, or as the recording does.
    """
    if mode != PaymentMode.IMMEDIATE_ADVANCE:
        _refuse_while_urssaf_pays(invoice)
    return invoice_services.payment_record(invoice=invoice, mode=mode, **payment)


def _refuse_while_urssaf_pays(invoice: Invoice, message: str = "") -> None:
    """Raise ValidationError while a payment request of the issued invoice is live at URSSAF.

    An invoice that is not issued is left to the invoices service, whose refusal comes first.
    """
    # The invoice row is locked first, as the invoices services do, so the answer holds until
    # the commit.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != InvoiceStatus.ISSUED:
        return
    refusal = ordinary_payment_refusal(locked)
    if refusal:
        raise ValidationError(message or refusal)


# --- the avance immédiate client billed outside it ----------------------------------------------

OUTSIDE_AI_REASON_MAX = 500
NOT_AN_AI_CLIENT = "Ce client n'utilise pas l'avance immédiate : émettez la facture normalement."
REASON_REQUIRED = (
    "Indiquez pourquoi cette facture est réglée hors avance immédiate (par exemple : "
    "prestations antérieures à l'activation)."
)


@transaction.atomic
def invoice_issue_outside_ai(*, invoice: Invoice, by: User, reason: str) -> Invoice:
    """Issue a draft of an avance immédiate client without a payment request, for a reason.

    The client then pays the cooperative directly. The reason is kept on the invoice and in
    the audit trail. Returns the issued invoice; raises ValidationError (French) when the
    client does not use the avance immédiate, the reason is missing or too long, or as the
    issue does (nothing is saved then).
    """
    reason = " ".join(reason.split())
    if not invoice.client.has_active_ai:
        raise ValidationError(NOT_AN_AI_CLIENT)
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    if len(reason) > OUTSIDE_AI_REASON_MAX:
        raise ValidationError(f"Motif trop long : {OUTSIDE_AI_REASON_MAX} caractères au plus.")
    locked = draft_lock(invoice)
    locked.outside_ai_reason = reason
    locked.save(update_fields=["outside_ai_reason"])
    return invoice_issue_and_submit(invoice=locked, by=by)


def _before_activation_reason(activated_on: date) -> str:
    return (
        "Prestations antérieures à l'activation de l'avance immédiate "
        f"(le {activated_on:%d/%m/%Y})."
    )


@transaction.atomic
def invoice_split_at_activation(*, invoice: Invoice, by: User) -> Invoice:
    """Move the lines of a draft dated before the client's activation to a draft of their own.

    URSSAF refuses services before the activation: the draft keeps the later ones (sent
    through the avance immédiate), the new draft the earlier ones, marked to be paid outside it
    with the reason already written. Returns the new draft; raises ValidationError (French)
    when there is nothing to split or the invoice is no longer a draft.
    """
    draft = draft_lock(invoice)
    activated = draft.client.ai_activated_on
    if not draft.client.has_active_ai or activated is None:
        raise ValidationError(NOT_AN_AI_CLIENT)
    lines = LineData.of(draft)
    before = [line for line in lines if line.service_date < activated]
    after = [line for line in lines if line.service_date >= activated]
    if not before:
        raise ValidationError("Aucune prestation de ce brouillon ne précède l'activation.")
    if not after:
        raise ValidationError(
            "Toutes les prestations précèdent l'activation : émettez ce brouillon hors avance "
            "immédiate, avec le motif."
        )
    deposit = None
    if draft.deposit_amount > 0:
        # A deposit always has its date (constraint invoice_deposit_complete).
        paid_on = cast(date, draft.deposit_paid_on)
        deposit = DepositData(draft.deposit_amount, paid_on, draft.deposit_mode)
    invoice_services.invoice_update_draft(
        invoice=draft,
        period_start=max(draft.period_start, activated),
        period_end=draft.period_end,
        lines=after,
        notes=draft.notes,
        deposit=deposit,
    )
    earlier = invoice_services.invoice_create_draft(
        provider=draft.provider,
        client=draft.client,
        period_start=draft.period_start,
        period_end=max(line.service_date for line in before),
        lines=before,
        notes=draft.notes,
        outside_ai_reason=_before_activation_reason(activated),
    )
    note = f"{len(before)} ligne(s) avant le {activated:%d/%m/%Y} déplacée(s)"
    audit(actor=by, action="invoices.invoice.split_at_activation", obj=draft, note=note)
    audit(actor=by, action="invoices.invoice.split_at_activation", obj=earlier, note=note)
    return earlier


def lines_before_activation(invoice: Invoice) -> int:
    """Return how many lines of an AI client's draft precede their activation (0 otherwise)."""
    if not Invoice.objects.before_ai_activation().filter(pk=invoice.pk).exists():
        return 0
    return invoice.lines.filter(service_date__lt=invoice.client.ai_activated_on).count()
