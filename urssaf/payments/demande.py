"""An issued invoice as URSSAF's `InputDemandePaiement` (shared/urssaf/API.md §5.1)."""

import datetime as dt
from typing import cast

from django.utils import timezone

from invoices import rules
from invoices.models import Invoice

from ..payloads import PaymentRequestPayload, ServiceLine
from . import preflight
from .preflight import worker_identification


class PaymentRequestRefused(ValueError):
    """The invoice breaks a rule URSSAF checks: sending it would only earn a refusal."""


def invoice_problems(invoice: Invoice, lines=None) -> list[str]:
    """Return the pre-flight checks' French messages for an invoice, at this minute, with the
    dated limits of its period (empty when it may go)."""
    return preflight.check(
        invoice=invoice,
        lines=invoice.lines.all() if lines is None else lines,
        client=invoice.client,
        provider=invoice.provider,
        now=timezone.now(),
        limits=rules.limits_on(invoice.period_start),
    )


def build_payment_request(invoice: Invoice) -> PaymentRequestPayload:
    """Return the payload of an issued invoice; its lines, client and provider must be loaded.

    Each line carries its own service date and the worker's identification (complement2).
    Raises PaymentRequestRefused, with the pre-flight checks' French reasons, for an invoice
    that fails them: the sender checks first, so only data changed behind its back gets here.
    """
    client, provider = invoice.client, invoice.provider
    now = timezone.now()
    problems = invoice_problems(invoice)
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
    start, end = rules.employment_window(
        invoice.period_start, invoice.period_end, active_since=client.ai_active_since, now=now
    )
    return PaymentRequestPayload(
        id_client=client.urssaf_id_client,
        client_birth_date=client.birth_date,
        # Issued, hence numbered and dated (constraint invoice_issued_has_number).
        invoice_number=cast(str, invoice.number),
        invoice_date=cast(dt.date, invoice.issue_date),
        period_start=start,
        period_end=end,
        total_ttc=invoice.total_ttc,
        total_ht=invoice.total_ht,
        lines=lines,
        deposit=invoice.deposit_amount if has_deposit else None,
        deposit_date=invoice.deposit_paid_on if has_deposit else None,
    )
