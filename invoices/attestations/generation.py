"""Render, store and announce attestation PDFs. A stored version is never rewritten."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from clients.mail import portal_url, send_templated_email
from clients.models import Client

from ..models import Attestation, AttestationBatch
from ..pdf import html_to_pdf, render_html, stylesheets_for
from .figures import AttestationFigures, ai_rule_text, compute_figures

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "pdf/attestation.html"
PDF_STYLESHEETS = ("pdf/attestation.css",)


def attestation_reference(*, client: Client, year: int, version: int) -> str:
    """Return the printed reference, e.g. `AF2025-000042-V2`: unique per client, year, version."""
    return f"AF{year}-{client.pk:06d}-V{version}"


def signature_image_uri() -> str:
    """Return the signature image's file URI for WeasyPrint, or "" when none is configured."""
    path = settings.ATTESTATION_SIGNATURE_IMAGE
    if not path or not Path(path).is_file():
        return ""
    return Path(path).resolve().as_uri()


def attestation_html(*, figures: AttestationFigures, reference: str, issued_on) -> str:
    """The HTML of the attestation, from its figures alone, as handed to WeasyPrint."""
    context = {
        "figures": figures,
        "total": figures.total,
        "services": figures.services_by_nature(),
        "reference": reference,
        "issued_on": issued_on,
        "ai_rule": ai_rule_text(figures.year, figures.ai_grace_days),
        "signature_uri": signature_image_uri(),
    }
    return render_html(PDF_TEMPLATE, context)


def render_attestation_pdf(*, figures: AttestationFigures, reference: str, issued_on) -> bytes:
    """Render the attestation PDF from its figures alone, so the document shows what is stored."""
    html = attestation_html(figures=figures, reference=reference, issued_on=issued_on)
    return html_to_pdf(html, stylesheets_for(PDF_STYLESHEETS))


@transaction.atomic
def attestation_generate(
    *, client: Client, year: int, batch: AttestationBatch | None = None
) -> tuple[Attestation, bool]:
    """Store the attestation of `client` for `year` unless the current version already says so.

    Returns (attestation, created): a first version, a new version when the figures changed
    since the last one (a correction), or the unchanged current version with created=False.
    Raises ValidationError when the client paid nothing attestable in `year`.
    """
    # Lock the client so that two runs for the same client cannot both take the next version;
    # only the client row (of=self), or every worker would queue on the one cooperative row.
    client = (
        Client.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=client.pk)
    )
    figures = compute_figures(client, year)
    if not figures.natures:
        raise ValidationError(f"Aucune somme attestable payée en {year}.")
    data = figures.to_json()
    latest = Attestation.objects.filter(client=client, year=year).order_by("-version").first()
    if latest is not None and latest.figures == data:
        return latest, False
    version = latest.version + 1 if latest else 1
    attestation = _store_version(
        client=client, figures=figures, data=data, version=version, batch=batch
    )
    transaction.on_commit(lambda: _enqueue_notification(attestation.pk))
    logger.info("Attestation %s stored for client %s", attestation.reference, client.pk)
    return attestation, True


def _store_version(
    *,
    client: Client,
    figures: AttestationFigures,
    data: dict,
    version: int,
    batch: AttestationBatch | None,
) -> Attestation:
    now = timezone.now()
    reference = attestation_reference(client=client, year=figures.year, version=version)
    pdf = render_attestation_pdf(
        figures=figures, reference=reference, issued_on=timezone.localdate(now)
    )
    total = figures.total
    attestation = Attestation(
        client=client,
        year=figures.year,
        version=version,
        reference=reference,
        figures=data,
        total_paid=total.paid,
        client_paid=total.client_paid,
        generated_at=now,
        batch=batch,
    )
    attestation.file.save(f"{reference}.pdf", ContentFile(pdf), save=False)
    try:
        # The fields' own checks only: the client and batch rows are those just read, and the
        # database enforces the unique and check constraints on insert, which spares a batch
        # eight queries per client to ask first.
        attestation.full_clean(
            exclude=["client", "batch"], validate_unique=False, validate_constraints=False
        )
        attestation.save()
    except Exception:
        # Keep the media folder free of PDFs that no row points to.
        attestation.file.storage.delete(attestation.file.name)
        raise
    return attestation


def _enqueue_notification(attestation_id: int) -> None:
    from ..tasks import send_attestation_email  # tasks import the services, not the reverse

    send_attestation_email.delay(attestation_id)


def attestation_notify(*, attestation_id: int) -> bool:
    """E-mail the client that an attestation version is available, once per version.

    Returns False when it was already sent. The send is claimed with a conditional update
    first, and released again if the mail cannot be handed over, so a retry may send it.
    """
    claimed = Attestation.objects.filter(pk=attestation_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    attestation = Attestation.objects.select_related("client__cooperative").get(pk=attestation_id)
    try:
        _send_available_email(attestation)
    except Exception:
        Attestation.objects.filter(pk=attestation_id).update(emailed_at=None)
        raise
    logger.info(
        "Attestation %s announced to client %s", attestation.reference, attestation.client_id
    )
    return True


def _send_available_email(attestation: Attestation) -> None:
    """Announce the attestation; a client without a portal account gets it attached, since
    the link to the portal would only lead them to a log-in page."""
    has_account = attestation.client.user_id is not None
    context = {
        "attestation": attestation,
        "client": attestation.client,
        "has_account": has_account,
        "list_url": portal_url("attestations:list"),
        "signup_url": portal_url("signup:start"),
    }
    attachments = []
    if not has_account:
        with attestation.file.open("rb") as stored:
            attachments.append((f"{attestation.reference}.pdf", stored.read(), "application/pdf"))
    send_templated_email(
        template="attestation_available",
        to=attestation.client.email,
        context=context,
        attachments=attachments,
    )
