"""Sending payment requests to URSSAF, exactly once, in batches of up to 10 per call.

Issuing an invoice of an avance immédiate client creates a pending request (after the
pre-flight checks) and enqueues the submission on commit. A worker claims up to 10 ready
requests with one conditional UPDATE (`WHERE state = 'pending'`), so a duplicated task or a
second worker gets other rows or none, then calls URSSAF outside any transaction and applies
each invoice's answer in its own transaction.

A request claimed before (a transient failure, or a worker that died between URSSAF's answer
and the commit, whose claim goes stale) may already be known to URSSAF: it is first searched
by invoice number and adopted when found, never sent twice. ERR_FACTURE_DOUBLON leads to the
same search. Transient failures release the claim for a later retry; after MAX_SEND_ATTEMPTS
the request goes to the "URSSAF unavailable" triage bucket. Permanent refusals record every
code and go to triage.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from clients.models import User
from invoices.models import Invoice, InvoiceLine

from ... import api, tasks
from ...backoff import STALE_CLAIM, retry_delay
from ...exceptions import PermanentUrssafError, TransientUrssafError, UrssafErrorDetail
from ...payloads import PaymentRequestInfo, SubmissionResult
from .. import schedule, triage_table
from ..demande import build_payment_request, invoice_problems
from ..models import EventKind, PaymentRequest, RequestState
from . import held
from .common import audit_request, email_on_commit, record_event, submit_on_commit
from .observation import apply_info

logger = logging.getLogger(__name__)

BATCH_SIZE = api.MAX_REQUESTS_PER_CALL
# Claims before giving up on URSSAF: with the task's backoff, about half an hour of retries.
MAX_SEND_ATTEMPTS = 7


# --- creating (inside invoice_issue's transaction) -------------------------------------------


def payment_request_create(*, invoice: Invoice, by: User | None) -> PaymentRequest | None:
    """Create the payment request of a just-issued invoice and send it after the commit.

    Returns None when the client does not use the avance immédiate, or the invoice was issued
    outside it for a recorded reason (normal payment path).
    Raises ValidationError with the French reasons when a pre-flight check fails, so that the
    surrounding issue is rolled back and the provider fixes the draft.
    """
    if not invoice.client.has_active_ai or invoice.outside_ai_reason:
        return None
    problems = preflight_problems(invoice)
    if problems:
        raise ValidationError([f"Avance immédiate : {problem}" for problem in problems])
    now = timezone.now()
    number = cast(str, invoice.number)  # just issued: constraint invoice_issued_has_number
    request = PaymentRequest.objects.create(invoice=invoice, invoice_number=number)
    record_event(request, EventKind.CREATED, now)
    audit_request(request, "urssaf.payment_request.created", by=by)
    error = held.hold_error(invoice, timezone.localdate(now))
    if error is not None:
        held.hold(request, error, now)
        return request
    submit_on_commit(request)
    logger.info("Payment request %s queued for invoice %s", request.pk, invoice.number)
    return request


def preflight_problems(invoice: Invoice) -> list[str]:
    """Return the pre-flight checks' French messages for an issued invoice (empty when fine)."""
    return invoice_problems(invoice, invoice.lines.select_related("nature"))


# --- sending (the task) -------------------------------------------------------------------------


def payment_requests_submit_ready() -> int:
    """Send every request ready to go, 10 per call; return how many URSSAF now holds.

    Raises TransientUrssafError, after releasing the batch in hand, for the task to retry.
    """
    done = 0
    while batch := _claim_batch(timezone.now()):
        done += _submit_batch(batch)
    return done


def _claimable(now: datetime) -> Q:
    """Pending and due (not waiting out a backoff), or claimed by a worker long dead."""
    pending = Q(state=RequestState.PENDING) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    return pending | Q(state=RequestState.CLAIMED, claimed_at__lt=now - STALE_CLAIM)


def _claim_batch(now: datetime) -> list[PaymentRequest]:
    """Claim up to 10 ready requests with one conditional UPDATE; return those this call got."""
    claimable = _claimable(now)
    ids = list(
        PaymentRequest.objects.filter(claimable)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    if not ids:
        return []
    token = uuid.uuid4()
    # Re-checked row by row under the UPDATE's lock: a row another worker claimed in between
    # no longer matches and is skipped.
    PaymentRequest.objects.filter(claimable, pk__in=ids).update(
        state=RequestState.CLAIMED, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    lines = InvoiceLine.objects.select_related("nature").order_by("position", "service_date", "pk")
    return list(
        PaymentRequest.objects.filter(claim_token=token, state=RequestState.CLAIMED)
        .select_related("invoice__client", "invoice__provider")
        .prefetch_related(Prefetch("invoice__lines", queryset=lines))
        .order_by("created_at", "pk")
    )


def _submit_batch(batch: list[PaymentRequest]) -> int:
    """Adopt what URSSAF already holds, check and send the rest; return how many it holds.

    Raises TransientUrssafError after releasing every claim of the batch still held: a failed
    search or one-by-one send must not strand the others' claims until they go stale.
    """
    try:
        uncertain = [request for request in batch if request.attempts > 1]
        adopted = _adopt_known(uncertain) if uncertain else set()
        to_check = [request for request in batch if request.pk not in adopted]
        ready = [request for request in to_check if _still_valid(request)]
        return len(adopted) + (_send(ready) if ready else 0)
    except TransientUrssafError as exc:
        # Only rows still claimed with this batch's token change: the recorded and the
        # already released ones are left alone.
        _release(batch, exc)
        raise


def _still_valid(request: PaymentRequest) -> bool:
    """Re-run the pre-flight checks at send time: data may have changed since the issue.

    A request that needs a financial guarantee while none is in force is held, not sent.
    """
    hold = held.hold_error(request.invoice, timezone.localdate())
    if hold is not None:
        _record_hold(request, hold)
        return False
    problems = invoice_problems(request.invoice)
    if not problems:
        return True
    errors = [UrssafErrorDetail(code=triage_table.PORTAL_CHECK, message=p) for p in problems]
    _record_refusal(request, errors)
    return False


def _payloads(requests: list[PaymentRequest]) -> tuple[list[PaymentRequest], list]:
    """Return the requests whose payload could be built, and their payloads.

    One that cannot (data changed since the checks) is refused alone, not the whole batch.
    """
    built, payloads = [], []
    for request in requests:
        try:
            payloads.append(build_payment_request(request.invoice))
        except ValueError as exc:
            detail = UrssafErrorDetail(code=triage_table.PORTAL_CHECK, message=str(exc)[:500])
            _record_refusal(request, [detail])
            continue
        built.append(request)
    return built, payloads


def _send(requests: list[PaymentRequest]) -> int:
    """POST the requests in one call and apply each answer on its own; return the accepted."""
    requests, payloads = _payloads(requests)
    if not requests:
        return 0
    try:
        results = api.submit_payment_requests(payloads)
    except TransientUrssafError as exc:
        _release(requests, exc)
        raise
    except PermanentUrssafError as exc:
        if len(requests) > 1:
            # Refused as a whole (one malformed invoice): send each alone so the others pass.
            logger.info("Batch of %s refused as a whole; sending one by one", len(requests))
            return sum(_send([request]) for request in requests)
        _record_refusal(requests[0], _all_errors(exc))
        return 0
    return _apply_results(requests, results)


def _all_errors(exc: PermanentUrssafError) -> list[UrssafErrorDetail]:
    found = [*exc.errors, *(e for errors in exc.item_errors.values() for e in errors)]
    return found or [UrssafErrorDetail(code="INCONNU", message=str(exc)[:500])]


def _apply_results(requests: list[PaymentRequest], results: list[SubmissionResult]) -> int:
    accepted, duplicates = 0, []
    by_number = {result.invoice_number: result for result in results if result.invoice_number}
    for index, request in enumerate(requests):
        result = by_number.get(request.invoice_number)
        if result is None and index < len(results) and not results[index].invoice_number:
            result = results[index]
        if result is None:
            # URSSAF did not answer for this one: its fate is unknown, search before resending.
            _release([request], None)
        elif result.accepted:
            _record_accepted(request, result)
            accepted += 1
        elif triage_table.DUPLICATE in {error.code for error in result.errors}:
            duplicates.append(request)
        else:
            _record_refusal(request, list(result.errors) or [_statut_error(result)])
    if duplicates:
        adopted = _adopt_known(duplicates, duplicate=True)
        accepted += len(adopted)
    return accepted


def _statut_error(result: SubmissionResult) -> UrssafErrorDetail:
    return UrssafErrorDetail(code=result.status or "INCONNU", message="Refus sans détail.")


# --- the search before resending, and the doublon ---------------------------------------------


def _adopt_known(requests: Sequence[PaymentRequest], *, duplicate: bool = False) -> set[int]:
    """Search the requests by invoice number; adopt those URSSAF holds; return their ids.

    Without `duplicate`, a request URSSAF does not know stays claimed, to be sent. After an
    ERR_FACTURE_DOUBLON, one that cannot be adopted goes to triage (the number is taken).
    """
    try:
        found = api.search_payment_requests(
            invoice_numbers=[request.invoice_number for request in requests]
        ).by_invoice_number()
    except TransientUrssafError as exc:
        _release(list(requests), exc)
        raise
    except PermanentUrssafError as exc:
        for request in requests:
            _record_refusal(request, _all_errors(exc))
        return {request.pk for request in requests}
    adopted = set()
    for request in requests:
        info = found.get(request.invoice_number)
        if info is not None and _is_ours(request, info):
            _record_adopted(request, info)
            adopted.add(request.pk)
        elif info is not None or duplicate:
            _record_refusal(request, [_duplicate_error(request, info)])
            adopted.add(request.pk)
    return adopted


def _is_ours(request: PaymentRequest, info: PaymentRequestInfo) -> bool:
    """Tell whether URSSAF's request under this number is this very invoice."""
    invoice = request.invoice
    echoed_total = info.request.get("mntFactureTTC")
    same_total = echoed_total is None or Decimal(str(echoed_total)) == invoice.total_ttc
    return info.id_client == invoice.client.urssaf_id_client and same_total


def _duplicate_error(request: PaymentRequest, info: PaymentRequestInfo | None) -> UrssafErrorDetail:
    where = f" (demande {info.request_id}, client {info.id_client})" if info else ""
    return UrssafErrorDetail(
        code=triage_table.DUPLICATE_ELSEWHERE,
        message=f"Le n° {request.invoice_number} est déjà utilisé à l'URSSAF{where}.",
    )


# --- recording the outcome (one transaction per invoice) --------------------------------------


def _locked_claim(request: PaymentRequest) -> PaymentRequest | None:
    """Return the request locked if this worker still holds its claim, else None."""
    return (
        PaymentRequest.objects.select_for_update()
        .filter(pk=request.pk, state=RequestState.CLAIMED, claim_token=request.claim_token)
        .first()
    )


@transaction.atomic
def _record_accepted(request: PaymentRequest, result: SubmissionResult) -> None:
    locked = _locked_claim(request)
    if locked is None:
        logger.warning("Payment request %s: claim lost before recording", request.pk)
        return
    now = timezone.now()
    _mark_submitted(locked, result.request_id, now)
    apply_info(locked, result.status or "10", now=now)
    locked.next_poll_at = schedule.next_poll_at(locked, now)
    locked.save()
    record_event(locked, EventKind.SUBMITTED, now, status_code=locked.status_code)
    audit_request(locked, "urssaf.payment_request.submitted", note=locked.urssaf_id)
    email_on_commit("sent", locked)
    logger.info("Payment request %s accepted by URSSAF", locked.pk)


@transaction.atomic
def _record_adopted(request: PaymentRequest, info: PaymentRequestInfo) -> None:
    locked = _locked_claim(request)
    if locked is None:
        return
    now = timezone.now()
    _mark_submitted(locked, info.request_id, now)
    apply_info(locked, info.status_code, now=now, info=info)
    locked.next_poll_at = schedule.next_poll_at(locked, now)
    locked.save()
    record_event(
        locked,
        EventKind.ADOPTED,
        now,
        "Déjà reçue par l'URSSAF : retrouvée par son numéro, sans nouvel envoi.",
        status_code=locked.status_code,
    )
    audit_request(locked, "urssaf.payment_request.adopted", note=locked.urssaf_id)
    email_on_commit("sent", locked)
    logger.info("Payment request %s found at URSSAF and adopted", locked.pk)


def _mark_submitted(request: PaymentRequest, urssaf_id: str | None, now: datetime) -> None:
    request.retry_at = None
    request.state = RequestState.SUBMITTED
    request.urssaf_id = urssaf_id or ""
    request.submitted_at = now
    request.claim_token = None
    request.claimed_at = None


@transaction.atomic
def _record_refusal(request: PaymentRequest, errors: list[UrssafErrorDetail]) -> None:
    locked = _locked_claim(request)
    if locked is None:
        return
    now = timezone.now()
    locked.state = RequestState.FAILED
    locked.claim_token = None
    locked.claimed_at = None
    locked.open_triage(errors, now)
    locked.save()
    codes = [error.code for error in errors]
    record_event(locked, EventKind.REFUSED, now, "; ".join(str(e) for e in errors)[:2000])
    audit_request(locked, "urssaf.payment_request.refused", note=", ".join(codes))
    logger.info("Payment request %s refused: %s", locked.pk, codes)


@transaction.atomic
def _record_hold(request: PaymentRequest, error: UrssafErrorDetail) -> None:
    locked = _locked_claim(request)
    if locked is not None:
        held.hold(locked, error, timezone.now())


def _release(requests: list[PaymentRequest], error: TransientUrssafError | None) -> None:
    """Give the claims back for a retry after a backoff; past MAX_SEND_ATTEMPTS, to triage.

    Without an error (URSSAF's answer left an invoice out), it may be tried again at once.
    """
    now = timezone.now()
    for request in requests:
        if error is not None and request.attempts >= MAX_SEND_ATTEMPTS:
            unavailable = UrssafErrorDetail(
                code=triage_table.URSSAF_UNAVAILABLE, message=str(error)[:500]
            )
            _record_refusal(request, [unavailable, *error.errors])
            continue
        delay = retry_delay(request.attempts - 1, error.retry_after) if error else 0
        PaymentRequest.objects.filter(
            pk=request.pk, state=RequestState.CLAIMED, claim_token=request.claim_token
        ).update(
            state=RequestState.PENDING,
            claim_token=None,
            claimed_at=None,
            retry_at=now + timedelta(seconds=delay),
        )


def payment_requests_resume(*, now: datetime | None = None) -> int:
    """Return how many requests wait to be sent (pending or stale), enqueuing a submission.

    A periodic safety net: a task lost with its broker message, or a dead worker's claim,
    is picked up again.
    """
    waiting = PaymentRequest.objects.filter(_claimable(now or timezone.now())).count()
    if waiting:
        tasks.submit_payment_requests.delay()
    return waiting
