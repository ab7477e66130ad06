"""What the staff do with a payment request in triage: retry, abandon, correct, close.

Every action locks the request, checks it applies, and leaves an event and an audit entry
naming who did it.
"""

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import User
from clients.validators import validate_staff_note
from invoices import services as invoice_services
from invoices.models import Invoice, InvoiceStatus
from invoices.services import DEPOSIT_REFERENCE, DepositData, LineData, reversals

from ...triage.models import TriageState
from ..models import EventKind, PaymentRequest, RequestState
from ..statuses import ENDED_UNPAID_CODES, Category, status_info
from .common import audit_request, email_on_commit, record_event, submit_on_commit
from .submission import preflight_problems

logger = logging.getLogger(__name__)


def _locked(request: PaymentRequest) -> PaymentRequest:
    return (
        PaymentRequest.objects.select_for_update()
        .select_related("invoice__client", "invoice__provider")
        .get(pk=request.pk)
    )


def _close_triage(request: PaymentRequest, by: User, note: str = "") -> None:
    """Mark the request's triage resolved if it was open; keep the note either way."""
    if request.is_in_triage:
        request.close_triage(state=TriageState.RESOLVED, by=by, now=timezone.now(), note=note)
    else:
        request.add_triage_note(note, by=by, now=timezone.now())


def _staff_event(request: PaymentRequest, by: User, action: str, message: str) -> None:
    record_event(request, EventKind.STAFF, timezone.now(), message, data={"by": by.pk})
    audit_request(request, f"urssaf.payment_request.{action}", by=by, note=message)


@transaction.atomic
def payment_request_retry(*, request: PaymentRequest, by: User) -> PaymentRequest:
    """Send a request refused at sending again, under the same invoice number.

    For data fixed outside the invoice (client, provider, natures) or URSSAF back up. Returns
    the request, pending again. Raises ValidationError (French) when it was not refused, the
    invoice is no longer open, or a pre-flight check still fails.
    """
    request = _locked(request)
    if request.state != RequestState.FAILED:
        raise ValidationError("Seule une demande refusée à l'envoi peut être relancée.")
    if request.invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError("La facture n'est plus en attente de paiement.")
    problems = preflight_problems(request.invoice)
    if problems:
        raise ValidationError([f"Avance immédiate : {problem}" for problem in problems])
    request.state = RequestState.PENDING
    request.claim_token = None
    request.claimed_at = None
    request.retry_at = None
    _close_triage(request, by)
    request.save()
    _staff_event(request, by, "retried", "Envoi relancé par l'équipe.")
    submit_on_commit(request)
    return request


def payment_requests_retry_many(
    *, requests: Iterable[PaymentRequest], by: User
) -> tuple[list[PaymentRequest], list[PaymentRequest]]:
    """Retry each request in its own transaction; return (retried, skipped)."""
    retried, skipped = [], []
    for request in requests:
        try:
            retried.append(payment_request_retry(request=request, by=by))
        except ValidationError:
            skipped.append(request)
    return retried, skipped


def _abandonable(request: PaymentRequest) -> bool:
    if request.state in (RequestState.PENDING, RequestState.FAILED):
        return True
    if request.state != RequestState.SUBMITTED:
        return False
    if request.status_code in ENDED_UNPAID_CODES:
        return True
    # Paid by URSSAF but not booked (the amounts did not match): settled by hand instead.
    return status_info(request.status_code).category == Category.PAID and not request.payment_id


@transaction.atomic
def payment_request_abandon(*, request: PaymentRequest, by: User, note: str = "") -> PaymentRequest:
    """Stop the avance immédiate for this invoice: the client settles it by other means.

    Returns the request, now cancelled; payments outside URSSAF are accepted from then on.
    Raises ValidationError (French) while URSSAF may still pay it.
    """
    validate_staff_note(note)
    request = _locked(request)
    if not _abandonable(request):
        label = request.status_info.label if request.status_code else request.get_state_display()
        raise ValidationError(
            f"L'URSSAF traite encore cette demande ({label}) : elle ne peut pas être abandonnée "
            "ici. Demandez son annulation à l'URSSAF ; le portail suivra le changement."
        )
    old_state = request.state
    request.state = RequestState.CANCELLED
    request.next_poll_at = None
    request.claim_token = None
    _close_triage(request, by, note)
    request.save()
    _staff_event(request, by, "abandoned", note or "Abandonnée : paiement hors avance immédiate.")
    logger.info("Payment request %s abandoned (was %s)", request.pk, old_state)
    return request


def _correctable(request: PaymentRequest) -> bool:
    if request.state == RequestState.FAILED:
        return True
    unpaid = request.payment_id is None or hasattr(request.payment, "reversal")
    return (
        request.state == RequestState.SUBMITTED
        and request.status_code in ENDED_UNPAID_CODES
        and unpaid
    )


@transaction.atomic
def payment_request_correct(*, request: PaymentRequest, by: User) -> Invoice:
    """Replace the invoice by a corrected one: cancel it and copy it into a new draft.

    The provider fixes the draft and issues it under a new number (an issued invoice never
    changes, and URSSAF refuses a number it already knows). A deposit moves to the new draft.
    Returns the draft. Raises ValidationError (French) when URSSAF may still pay the request
    or the invoice received another payment.
    """
    request = _locked(request)
    if not _correctable(request):
        raise ValidationError(
            "Seule une demande refusée, contestée ou annulée sans paiement peut être corrigée."
        )
    invoice = request.invoice
    _take_back_deposit(invoice, by)
    request.state = RequestState.SUPERSEDED
    request.next_poll_at = None
    _close_triage(request, by)
    request.save()
    invoice_services.invoice_cancel(invoice=invoice, by=by)
    draft = _copy_as_draft(invoice)
    _staff_event(
        request, by, "corrected", f"Facture annulée ; brouillon corrigible n° {draft.pk} créé."
    )
    email_on_commit("corrected", request)
    return draft


def _take_back_deposit(invoice: Invoice, by: User) -> None:
    payments = list(invoice.payments.effective())
    if any(payment.reference != DEPOSIT_REFERENCE for payment in payments):
        raise ValidationError(
            "La facture a reçu un paiement : enregistrez plutôt le règlement du client."
        )
    for payment in payments:
        reversals.payment_reverse(
            payment=payment,
            on=timezone.localdate(),
            reason="Acompte reporté sur la facture corrigée",
            by=by,
        )


def _copy_as_draft(invoice: Invoice) -> Invoice:
    lines = [
        LineData(
            nature=line.nature,
            service_date=line.service_date,
            quantity=line.quantity,
            unit_price_ttc=line.unit_price_ttc,
            vat_rate=line.vat_rate,
            unit=line.unit,
            description=line.description,
        )
        for line in invoice.lines.select_related("nature")
    ]
    deposit = None
    if invoice.deposit_amount > 0:
        # A deposit always has its date (constraint invoice_deposit_complete).
        deposit = DepositData(invoice.deposit_amount, invoice.deposit_paid_on, invoice.deposit_mode)  # type: ignore[arg-type]
    return invoice_services.invoice_create_draft(
        provider=invoice.provider,
        client=invoice.client,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=lines,
        notes=invoice.notes,
        deposit=deposit,
        replaces=invoice,
    )


@transaction.atomic
def payment_request_resolve(*, request: PaymentRequest, by: User, note: str = "") -> PaymentRequest:
    """Close the request's triage without another action (understood, handled elsewhere).

    Raises ValidationError when it is not in triage.
    """
    validate_staff_note(note)
    request = _locked(request)
    if not request.is_in_triage:
        raise ValidationError("Cette demande n'est pas à traiter.")
    bucket = request.get_triage_bucket_display()
    _close_triage(request, by, note)
    request.save()
    _staff_event(request, by, "resolved", note or f"Marquée traitée ({bucket}).")
    return request
