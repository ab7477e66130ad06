"""An issued invoice as URSSAF's `InputDemandePaiement` (shared/urssaf/API.md §5.1)."""

from django.utils import timezone

from invoices.models import Invoice

from ..payloads import PaymentRequestPayload, ServiceLine
from . import preflight
from .preflight import worker_identification


class PaymentRequestRefused(ValueError):
    """The invoice breaks a rule URSSAF checks: sending it would only earn a refusal."""


def build_payment_request(invoice: Invoice) -> PaymentRequestPayload:
    """Return the payload of an issued invoice; its lines, client and provider must be loaded.

    Each line carries its own service date and the worker's identification (complement2).
    Raises PaymentRequestRefused, with the pre-flight checks' French reasons, for an invoice
    that fails them: the sender checks first, so only data changed behind its back gets here.
    """
    client, provider = invoice.client, invoice.provider
    problems = preflight.check(
        invoice=invoice,
        lines=invoice.lines.all(),
        client=client,
        provider=provider,
        today=timezone.localdate(),
    )
    if problems:
        raise PaymentRequestRefused(f"Demande de paiement non envoyée : {' ; '.join(problems)}")
    worker = worker_identification(provider)
    lines = tuple(
        ServiceLine(
            nature_code=line.nature.urssaf_code_nature,
            activity_code=line.nature.urssaf_code_activite,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_ttc=line.unit_price_ttc,
            total_ttc=line.total_ttc,
            total_ht=line.total_ht,
            total_tva=line.total_tva,
            start=line.service_date,
            end=line.service_date,
            complement1=line.description[:50],
            complement2=worker,
        )
        for line in invoice.lines.all()
    )
    has_deposit = invoice.deposit_amount > 0
    return PaymentRequestPayload(
        id_client=client.urssaf_id_client,
        client_birth_date=client.birth_date,
        # Only an issued invoice is sent: it has its number and date.
        invoice_number=invoice.number,  # type: ignore[arg-type]
        invoice_date=invoice.issue_date,  # type: ignore[arg-type]
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        total_ttc=invoice.total_ttc,
        total_ht=invoice.total_ht,
        lines=lines,
        deposit=invoice.deposit_amount if has_deposit else None,
        deposit_date=invoice.deposit_paid_on if has_deposit else None,
    )
