"""Annual tax attestations (attestations fiscales): figures, stored PDFs, the yearly batch.

- figures: what a client paid in a year, per nature and month (pure, few queries);
- generation: render a version, store it, e-mail the client once per version;
- batch: the yearly run over every client, its progress, retries and the March reminder.
"""

from .batch import (
    batch_create,
    batch_process_client,
    batch_retry_failures,
    batch_start,
    remind_staff_of_missing_year,
    year_is_complete,
)
from .figures import AttestationFigures, NatureAmounts, compute_figures, split_pro_rata
from .generation import attestation_generate, attestation_notify, render_attestation_pdf

__all__ = [
    "AttestationFigures",
    "NatureAmounts",
    "attestation_generate",
    "attestation_notify",
    "batch_create",
    "batch_process_client",
    "batch_retry_failures",
    "batch_start",
    "compute_figures",
    "remind_staff_of_missing_year",
    "render_attestation_pdf",
    "split_pro_rata",
    "year_is_complete",
]
