"""The journey of an avance immédiate invoice, step by step, as the invoice pages show it.

sent → awaiting the client's validation (48 h countdown) → validated (or validated by
silence) → client's share debited (≈ J+2) → URSSAF's transfer (≈ J+4) → payment booked →
paid out to the provider. `build_timeline` is a pure function of the request, its payout and
"now": done steps carry the moment the portal saw them, the others the moment they are
expected, computed from those real times (urssaf/payments/schedule.py); a step past its expected
moment by LATE_GRACE is late.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from invoices.models import CreditNote, Payout, PayoutStatus
from invoices.services.payouts import PAYOUT_TARGET

from .models import PaymentRequest, RequestState
from .schedule import PARIS, expected_debit, expected_transfer, validation_deadline
from .statuses import (
    AWAITING_VALIDATION_CODES,
    CONTESTED_CODES,
    FAILED_CODES,
    LATE_GRACE,
    Category,
    Money,
    RejectionInfo,
    StatusInfo,
    client_description,
    rejection_info,
    status_info,
)


class StepState(StrEnum):
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"
    LATE = "late"
    FAILED = "failed"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: StepState
    at: datetime | None = None  # when it happened (as the portal saw it)
    expected: datetime | None = None  # when it should happen, if not done
    detail: str = ""

    @property
    def is_late(self) -> bool:
        return self.state == StepState.LATE


@dataclass(frozen=True)
class Timeline:
    steps: list[Step]
    status: StatusInfo | None
    state_label: str
    deadline: datetime | None = None  # the 48 h validation deadline, while awaited
    rejection: RejectionInfo | None = None
    rejection_comment: str = ""
    transfer_text: str = ""
    alerts: list[str] = field(default_factory=list)
    # What the status means, in the reader's voice; empty when the deadline box or an alert
    # already says it (a page never says the same thing twice).
    summary: str = ""

    @property
    def has_late_step(self) -> bool:
        return any(step.is_late for step in self.steps)


def _euros(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",") + "\u00a0€"


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def transfer_text(request: PaymentRequest) -> str:
    """Return "virement prévu le …" while the amount is empty, "virement de X € reçu le …" after."""
    if request.transfer_date is None:
        return ""
    if request.transfer_amount is None:
        return f"Virement prévu le {_day(request.transfer_date)}"
    return f"Virement de {_euros(request.transfer_amount)} reçu le {_day(request.transfer_date)}"


def _pending(key: str, label: str, expected: datetime | None, now: datetime, current: bool):
    """A step not done yet: late past its expected moment, else current or upcoming."""
    if expected is not None and now > expected + LATE_GRACE:
        return Step(key, label, StepState.LATE, expected=expected, detail="En retard")
    return Step(key, label, StepState.CURRENT if current else StepState.UPCOMING, expected=expected)


def build_timeline(
    request: PaymentRequest, payout: Payout | None, now: datetime, *, for_client: bool = False
) -> Timeline:
    """Return the steps of the request's journey as of `now` (pure: nothing is queried).

    `for_client` words it for the client ("votre part"), else for the provider and the staff.
    """
    info = status_info(request.status_code) if request.status_code else None
    steps = [_sent_step(request)]
    if request.state == RequestState.SUBMITTED:
        steps += _urssaf_steps(request, info, now, for_client)
        if not for_client:  # how the cooperative pays its provider is none of the client's business
            steps.append(_payout_step(request, payout, now))
    deadline = None
    if request.state == RequestState.SUBMITTED and request.status_code in AWAITING_VALIDATION_CODES:
        deadline = validation_deadline(request)
    alerts = _alerts(request, info, payout, for_client)
    summary = ""
    if info is not None and deadline is None:
        summary = client_description(info.code) if for_client else info.description
        summary = "" if summary in alerts else summary
    return Timeline(
        steps=steps,
        status=info,
        state_label=info.label if info else _state_label(request),
        deadline=deadline,
        rejection=rejection_info(request.rejection_code) if request.rejection_code else None,
        rejection_comment=request.rejection_comment,
        transfer_text=transfer_text(request),
        alerts=alerts,
        summary=summary,
    )


HELD_LABEL = "Envoi à l'URSSAF différé : la coopérative complète une formalité"


def _state_label(request: PaymentRequest) -> str:
    # Held is the cooperative's matter: the pages say it neutrally, the admin says why.
    return HELD_LABEL if request.state == RequestState.HELD else request.get_state_display()


def _sent_step(request: PaymentRequest) -> Step:
    label = "Transmise à l'URSSAF"
    if request.state == RequestState.SUBMITTED:
        return Step("sent", label, StepState.DONE, at=request.submitted_at)
    if request.state in (RequestState.PENDING, RequestState.CLAIMED):
        return Step("sent", "Envoi à l'URSSAF en cours", StepState.CURRENT)
    if request.state == RequestState.HELD:
        # The cooperative's own paperwork: nothing for the client or the provider to do.
        return Step("sent", HELD_LABEL, StepState.CURRENT)
    return Step("sent", request.get_state_display(), StepState.FAILED)


def _urssaf_steps(
    request: PaymentRequest, info: StatusInfo | None, now: datetime, for_client: bool
) -> list[Step]:
    return [
        _validation_step(request, now, for_client),
        _debit_step(request, now, for_client),
        _transfer_step(request, now),
        _received_step(request, info),
    ]


def _validation_step(request: PaymentRequest, now: datetime, for_client: bool) -> Step:
    deadline = validation_deadline(request)
    if request.validated_at is not None:
        silent = deadline is not None and request.validated_at >= deadline
        label = "Validée automatiquement (sans réponse sous 48 h)" if silent else "Validée"
        return Step("validation", label, StepState.DONE, at=request.validated_at)
    if request.status_code in CONTESTED_CODES:
        label = "Contestée par vous" if for_client else "Contestée par le client"
        return Step("validation", label, StepState.FAILED)
    if status_info(request.status_code).is_final:
        return Step("validation", status_info(request.status_code).label, StepState.FAILED)
    return _pending(
        "validation",
        "En attente de votre validation (48 h)"
        if for_client
        else "En attente de validation par le client (48 h)",
        deadline,
        now,
        current=request.status_code in AWAITING_VALIDATION_CODES,
    )


def _debit_step(request: PaymentRequest, now: datetime, for_client: bool) -> Step:
    label = (
        "Prélèvement de votre part (≈ J+2)"
        if for_client
        else "Prélèvement de la part du client (≈ J+2)"
    )
    if request.status_code in FAILED_CODES:
        refused = (
            "Prélèvement refusé par votre banque"
            if for_client
            else "Prélèvement rejeté par la banque du client"
        )
        return Step("debit", refused, StepState.FAILED)
    if request.debited_at is not None:
        done = "Votre part a été prélevée" if for_client else "Part du client prélevée"
        return Step("debit", done, StepState.DONE, at=request.debited_at)
    if request.validated_at is None and not _still_possible(request):
        return Step("debit", label, StepState.UPCOMING)
    return _pending("debit", label, expected_debit(request), now, request.status_code == "30")


def _transfer_step(request: PaymentRequest, now: datetime) -> Step:
    label = "Virement de l'URSSAF à la coopérative (≈ J+4)"
    if request.paid_at is not None:
        done = "Virement de l'URSSAF effectué"
        return Step("transfer", done, StepState.DONE, at=request.paid_at)
    if not _still_possible(request):
        return Step("transfer", label, StepState.UPCOMING)
    step = _pending("transfer", label, expected_transfer(request), now, request.status_code == "50")
    if request.transfer_date and step.state != StepState.LATE:
        detail = transfer_text(request)
        return Step(step.key, step.label, step.state, expected=step.expected, detail=detail)
    return step


def _received_step(request: PaymentRequest, info: StatusInfo | None) -> Step:
    label = "Paiement reçu et enregistré sur la facture"
    if request.payment_id is not None and info is not None and info.money == Money.REVERSE:
        return Step("received", "Paiement repris par l'URSSAF", StepState.FAILED, detail=info.label)
    if request.payment_id is not None:
        return Step(
            "received",
            label,
            StepState.DONE,
            at=_received_at(request),
            detail=transfer_text(request),
        )
    if request.paid_at is not None:
        detail = "La coopérative rapproche le montant reçu de la facture."
        return Step("received", label, StepState.CURRENT, detail=detail)
    return Step("received", label, StepState.UPCOMING)


def _received_at(request: PaymentRequest) -> datetime | None:
    # URSSAF gives the day of its transfer, not the hour: noon of that day, in Paris. A day
    # after the one the portal saw it paid (the sandbox's clock runs ahead in demos) would be
    # a receipt in the future: the payment is booked on the day it was seen (services/money.py).
    if request.transfer_date is None:
        return request.paid_at
    if (
        request.paid_at is not None
        and request.transfer_date > request.paid_at.astimezone(PARIS).date()
    ):
        return request.paid_at
    return datetime.combine(request.transfer_date, time(12), tzinfo=PARIS)


def _payout_step(request: PaymentRequest, payout: Payout | None, now: datetime) -> Step:
    label = "Versé au prestataire (sous 48 h)"
    if payout is not None and payout.status == PayoutStatus.PAID:
        return Step("payout", "Versé au prestataire", StepState.DONE, at=payout.paid_at)
    if payout is not None and payout.status == PayoutStatus.DUE:
        if now > payout.due_at:
            return Step("payout", label, StepState.LATE, expected=payout.due_at, detail="En retard")
        return Step("payout", label, StepState.CURRENT, expected=payout.due_at)
    expected = request.paid_at + PAYOUT_TARGET if request.paid_at else None
    return Step("payout", label, StepState.UPCOMING, expected=expected)


def _still_possible(request: PaymentRequest) -> bool:
    """Tell whether URSSAF may still pay this request (not contested, cancelled or unpaid)."""
    info = status_info(request.status_code)
    return info.category in (Category.WAITING, Category.VALIDATED, Category.PAID)


def _alerts(
    request: PaymentRequest, info: StatusInfo | None, payout: Payout | None, for_client: bool
) -> list[str]:
    alerts = []
    if info is not None and for_client:
        # The client is told what happened and what to do; the staff's details stay theirs.
        if info.category in (Category.FAILED, Category.FINAL):
            alerts.append(client_description(info.code))
        return alerts
    if info is not None and not info.known:
        said = f" : {request.status_label}" if request.status_label else ""
        alerts.append(
            f"L'URSSAF indique un statut inconnu du portail ({request.status_code}{said}) ; "
            "l'équipe de la coopérative est prévenue."
        )
    elif info is not None and info.category in (Category.FAILED, Category.FINAL):
        alerts.append(info.description)
    if payout is not None and payout.reversed_at is not None:
        alerts.append("Le paiement a été repris après le versement au prestataire.")
    return alerts


def latest_request(invoice) -> PaymentRequest | None:
    """Return the invoice's most recent payment request (from a prefetched list if any)."""
    requests = list(invoice.payment_requests.all())
    return max(requests, key=lambda r: (r.created_at, r.pk)) if requests else None


def payment_timeline(invoice, now: datetime, *, for_client: bool = False) -> Timeline | None:
    """Return the timeline of the invoice's latest payment request, None when it has none or
    when a credit note cancelled the invoice (its page then says so and names its replacement:
    the request's last status, "to correct", would be stale)."""
    request = latest_request(invoice)
    if request is None:
        return None
    if invoice.is_cancelled and CreditNote.objects.filter(invoice=invoice).exists():
        return None
    payout = invoice.payouts.exclude(status=PayoutStatus.CANCELLED).first()
    return build_timeline(request, payout, now, for_client=for_client)
