"""Celery tasks for invoices: ids in, one service call each."""

import logging

from celery import shared_task
from django.utils import timezone

from . import attestations

logger = logging.getLogger(__name__)


@shared_task
def generate_client_attestation(batch_id: int, client_id: int) -> str:
    """Produce one client's attestation within a batch (failures are recorded, not raised)."""
    return attestations.batch_process_client(batch_id=batch_id, client_id=client_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_attestation_email(attestation_id: int) -> bool:
    """Tell the client that an attestation version is available (once per version)."""
    return attestations.attestation_notify(attestation_id=attestation_id)


@shared_task
def remind_missing_attestations() -> int:
    """Remind the staff, in March, when last year's attestations are not all produced."""
    return attestations.remind_staff_of_missing_year(year=timezone.localdate().year - 1)
