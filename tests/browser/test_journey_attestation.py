"""Journey 4: a client downloads their attestation; the page and the PDF show the totals."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from invoices import services
from invoices.attestations.generation import attestation_generate
from invoices.models import PaymentMode
from invoices.services import LineData

from ..factories import nature
from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _paid_2025_services(provider, client):
    """RULES.md §5 example 1: 6 000 € of housework and 800 € of odd jobs, paid by transfer."""
    housework, odd_jobs = nature("entretien-maison"), nature("petit-bricolage")
    lines = [
        LineData(
            nature=housework,
            service_date=dt.date(2025, 3, 3),
            quantity=Decimal("200"),
            unit_price_ttc=Decimal("30"),
            vat_rate=Decimal("10"),
        ),
        *[
            LineData(
                nature=odd_jobs,
                service_date=dt.date(2025, 3, 3 + day),
                quantity=Decimal("2"),
                unit_price_ttc=Decimal("40"),
                vat_rate=Decimal("10"),
            )
            for day in range(10)
        ],
    ]
    with time_machine.travel(dt.datetime(2025, 12, 20, 10, tzinfo=dt.UTC), tick=False):
        draft = services.invoice_create_draft(
            provider=provider,
            client=client,
            period_start=dt.date(2025, 3, 1),
            period_end=dt.date(2025, 3, 31),
            lines=lines,
        )
        invoice = services.invoice_issue(invoice=draft, by=provider.user, on=dt.date(2025, 4, 1))
        services.payment_record(
            invoice=invoice,
            amount=Decimal("6800.00"),
            paid_on=dt.date(2025, 4, 15),
            mode=PaymentMode.TRANSFER,
            by=provider.user,
        )


def _flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_a_client_downloads_the_attestation_with_the_expected_totals(
    journey, live_server, carol, alice
):
    _paid_2025_services(carol, alice)
    attestation_generate(client=alice, year=2025)

    log_in(journey, live_server, alice.user.email)
    journey.get_by_role("link", name="Mes attestations fiscales").click()
    row = journey.get_by_role("row", name="2025")
    assert "6 800,00 €" in _flat(row.inner_text())

    with journey.expect_download() as download_info:
        row.get_by_role("link", name="Télécharger (PDF)").click()
    pdf = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = _flat("\n".join(page.extract_text() for page in pdf.pages))
    assert "6 800,00 €" in text
    assert "6 000,00 €" in text
    assert "800,00 €" in text
    assert alice.cooperative.sap_number in text
