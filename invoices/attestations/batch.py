"""The yearly run that produces every client's attestation, its progress and its retries."""

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from clients.mail import portal_url
from clients.models import Client, Role, User

from ..models import AttestationBatch, AttestationBatchItem, BatchItemStatus, BatchStatus
from .figures import clients_with_paid_amounts
from .generation import attestation_generate

logger = logging.getLogger(__name__)

# A failure reason is shown in the admin; a traceback belongs in the logs.
_REASON_MAX_LENGTH = 500


@transaction.atomic
def batch_create(*, year: int, by: User | None) -> AttestationBatch:
    """Open the batch of `year` with one pending item per client who paid in that year.

    Raises ValidationError if a batch for that year is still running.
    """
    client_ids = clients_with_paid_amounts(year)
    try:
        with transaction.atomic():
            batch = AttestationBatch.objects.create(year=year, total=len(client_ids), started_by=by)
    except IntegrityError as exc:
        raise ValidationError(f"Une génération des attestations {year} est déjà en cours.") from exc
    AttestationBatchItem.objects.bulk_create(
        AttestationBatchItem(batch=batch, client_id=client_id) for client_id in client_ids
    )
    _finish_if_complete(batch.pk)  # a year with nobody to attest is done at once
    batch.refresh_from_db()
    logger.info("Attestation batch %s opened for %s with %s clients", batch.pk, year, batch.total)
    return batch


def batch_start(*, year: int, by: User | None) -> AttestationBatch:
    """Open the batch of `year` and hand one task per client to the workers after commit."""
    with transaction.atomic():
        batch = batch_create(year=year, by=by)
        client_ids = list(batch.items.values_list("client_id", flat=True))
        transaction.on_commit(lambda: _enqueue(batch.pk, client_ids))
    return batch


def batch_retry_failures(*, batch: AttestationBatch) -> int:
    """Hand the failed clients of `batch` to the workers again; return how many were queued."""
    client_ids = list(
        batch.items.filter(status=BatchItemStatus.FAILED).values_list("client_id", flat=True)
    )
    transaction.on_commit(lambda: _enqueue(batch.pk, client_ids))
    return len(client_ids)


def _enqueue(batch_id: int, client_ids: Iterable[int]) -> None:
    from ..tasks import generate_client_attestation  # tasks import the services

    for client_id in client_ids:
        generate_client_attestation.delay(batch_id, client_id)


def batch_process_client(*, batch_id: int, client_id: int) -> BatchItemStatus:
    """Produce one client's attestation within a batch and record the outcome.

    Never raises for a problem with this client: the failure is stored with its reason (shown
    in the admin, retryable) so that the other clients of the batch go on. Returns the
    item's status; an item already done is left alone, which makes a redelivered task harmless.
    """
    item = AttestationBatchItem.objects.select_related("batch").get(
        batch_id=batch_id, client_id=client_id
    )
    if item.status == BatchItemStatus.DONE:
        return BatchItemStatus.DONE
    try:
        _, created = attestation_generate(
            client=Client(pk=client_id), year=item.batch.year, batch=item.batch
        )
    except Exception as exc:  # any error of one client must not stop the batch
        logger.exception("Attestation of client %s failed in batch %s", client_id, batch_id)
        _record_failure(item, _reason(exc))
        return BatchItemStatus.FAILED
    _record_success(item, created=created)
    return BatchItemStatus.DONE


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:_REASON_MAX_LENGTH]
    return f"{type(exc).__name__} : {exc}"[:_REASON_MAX_LENGTH]


@transaction.atomic
def _record_success(item: AttestationBatchItem, *, created: bool) -> None:
    previous = item.status
    moved = AttestationBatchItem.objects.filter(pk=item.pk, status=previous).update(
        status=BatchItemStatus.DONE, reason="", attempts=F("attempts") + 1
    )
    if not moved:
        return
    counters = {"done": F("done") + 1, "created": F("created") + int(created)}
    if previous == BatchItemStatus.FAILED:
        counters["failed"] = F("failed") - 1
    AttestationBatch.objects.filter(pk=item.batch_id).update(**counters)
    _finish_if_complete(item.batch_id)


@transaction.atomic
def _record_failure(item: AttestationBatchItem, reason: str) -> None:
    previous = item.status
    moved = AttestationBatchItem.objects.filter(pk=item.pk, status=previous).update(
        status=BatchItemStatus.FAILED, reason=reason, attempts=F("attempts") + 1
    )
    if moved and previous == BatchItemStatus.PENDING:
        AttestationBatch.objects.filter(pk=item.batch_id).update(failed=F("failed") + 1)
        _finish_if_complete(item.batch_id)


def _finish_if_complete(batch_id: int) -> None:
    AttestationBatch.objects.filter(
        pk=batch_id, status=BatchStatus.RUNNING, total=F("done") + F("failed")
    ).update(status=BatchStatus.DONE, finished_at=timezone.now())


def year_is_complete(year: int) -> bool:
    """True once a batch of `year` finished and none of its clients is left failed."""
    batch = AttestationBatch.objects.filter(year=year, status=BatchStatus.DONE).first()
    return batch is not None and batch.failed == 0


def remind_staff_of_missing_year(*, year: int) -> int:
    """E-mail the cooperative's staff when the attestations of `year` are not all produced.

    Returns the number of people reminded (0 when the year is complete).
    """
    if year_is_complete(year):
        return 0
    recipients = list(
        User.objects.filter(role=Role.STAFF, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        logger.warning("Attestations %s missing but no staff member to remind", year)
        return 0
    context = {
        "year": year,
        "batch": AttestationBatch.objects.filter(year=year).first(),
        "deadline_year": year + 1,
        "admin_url": portal_url("admin:invoices_attestationbatch_changelist"),
    }
    send_mail(
        subject=f"Attestations fiscales {year} : à générer avant le 31 mars {year + 1}",
        message=render_to_string("emails/attestation_reminder_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    logger.info("Staff reminded that the %s attestations are missing", year)
    return len(recipients)
