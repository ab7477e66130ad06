import datetime as dt
import io
import re
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from invoices import services
from invoices.models import PaymentMode
from invoices.services import LineData
from urssaf.payments.selectors import invoice_context as invoice_document_context

from ..factories import nature

pytestmark = pytest.mark.django_db


def pdf_url(invoice) -> str:
    return reverse("invoices:pdf", kwargs={"code": invoice.code})


def text_of(response) -> str:
    """The PDF's text with every run of whitespace (nbsp, narrow nbsp, newlines) as one space."""
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def test_pdf_carries_the_legal_identity_the_worker_and_the_totals(client, alice, alice_invoice):
    client.force_login(alice.user)

    response = client.get(pdf_url(alice_invoice))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response)
    cooperative = alice_invoice.cooperative
    assert f"FACTURE Numéro {alice_invoice.number}" in text
    assert "SIREN 732829320" in text
    assert "n° SAP732829320 du 1er mars 2019" in text
    assert f"Référence intervenant : {alice_invoice.provider.worker_reference}" in text
    assert cooperative.legal_name in text
    assert "Madame Alice Lefebvre" in text
    assert "Ménage-repassage" in text
    assert "Total HT 68,18 €" in text
    assert "Total TVA 6,82 €" in text
    assert "Total TTC 75,00 €" in text
    assert "Déjà réglé 0,00 €" in text
    assert "Reste à payer 75,00 €" in text


def test_pdf_shows_the_issue_date_the_service_period_and_the_line_detail(
    client, alice, alice_invoice
):
    client.force_login(alice.user)

    text = text_of(client.get(pdf_url(alice_invoice)))

    issued = alice_invoice.issue_date
    assert f"Date d'émission {issued.day}" in text
    assert "Période de service du 02/11/2026 au 20/11/2026" in text
    assert "02/11/2026 Ménage-repassage 3 h 25,00 € / h 10 % 68,18 € 75,00 €" in text


def test_pdf_carries_the_tax_credit_sentence_and_accepted_payment_modes(
    client, alice, alice_invoice
):
    client.force_login(alice.user)

    text = text_of(client.get(pdf_url(alice_invoice)))

    assert (
        "Les sommes versées au titre de ces prestations ouvrent droit à un crédit d'impôt de 50 %"
        in text
    )
    assert "article 199 sexdecies du code général des impôts" in text
    assert "au plus à 37,50 €" in text
    assert "Modes de paiement acceptés" in text


def test_pdf_is_downloaded_as_an_attachment_named_after_the_invoice_number(
    client, alice, alice_invoice
):
    client.force_login(alice.user)

    response = client.get(pdf_url(alice_invoice))

    assert response["Content-Disposition"] == (
        f'attachment; filename="facture-{alice_invoice.number}.pdf"'
    )


def test_pdf_shows_payments_what_remains_due_and_flags_cash(client, alice, alice_invoice):
    today = timezone.localdate()
    for amount, mode in (("20.00", PaymentMode.CASH), ("30.00", PaymentMode.CHEQUE)):
        services.payment_record(
            invoice=alice_invoice, amount=Decimal(amount), paid_on=today, mode=mode, by=None
        )
    client.force_login(alice.user)

    text = text_of(client.get(pdf_url(alice_invoice)))

    assert "Déjà réglé 50,00 €" in text
    assert "Reste à payer 25,00 €" in text
    assert "Espèces — non retenu pour l'attestation fiscale" in text
    assert "Chèque — non retenu" not in text


def test_pdf_of_a_draft_is_marked_as_worthless(client, carol, alice, make_draft):
    draft = make_draft(carol, alice)
    client.force_login(carol.user)

    response = client.get(pdf_url(draft))

    assert response.status_code == HTTPStatus.OK
    assert "BROUILLON — document sans valeur" in text_of(response)
    assert response["Content-Disposition"].startswith('attachment; filename="facture-brouillon-')


def test_pdf_of_an_issued_invoice_has_no_draft_banner(client, alice, alice_invoice):
    client.force_login(alice.user)
    assert "BROUILLON" not in text_of(client.get(pdf_url(alice_invoice)))


def test_pdf_of_a_cancelled_invoice_says_nothing_is_due(client, alice, carol, alice_invoice):
    services.invoice_cancel(invoice=alice_invoice, by=carol.user)
    client.force_login(alice.user)

    text = text_of(client.get(pdf_url(alice_invoice)))

    assert "FACTURE ANNULÉE" in text
    assert "Reste à payer 0,00 €" in text


def test_document_context_sums_vat_per_rate_and_keeps_a_third_decimal_on_unit_prices(
    carol, alice, make_draft
):
    carol.natures.clear()  # no restriction: Carol may invoice any nature
    day = dt.date(2026, 11, 2)
    lines = [
        LineData(nature(), day, Decimal("2"), Decimal("25"), Decimal("10")),
        LineData(nature(), day, Decimal("1"), Decimal("30"), Decimal("10")),
        LineData(nature("jardinage"), day, Decimal("1.5"), Decimal("40.125"), Decimal("20")),
    ]
    context = invoice_document_context(make_draft(carol, alice, lines=lines))

    by_rate = {row.rate: (row.base_ht, row.tva) for row in context["vat_summary"]}
    assert by_rate == {
        Decimal("10.00"): (Decimal("45.45") + Decimal("27.27"), Decimal("4.55") + Decimal("2.73")),
        Decimal("20.00"): (Decimal("50.16"), Decimal("10.03")),
    }
    assert [line.unit_price_display for line in context["lines"]] == [
        "25,00\u00a0€",
        "30,00\u00a0€",
        "40,125\u00a0€",
    ]


# --- Who may download it ---------------------------------------------------------------------


def test_pdf_is_not_found_for_another_client(client, bob, alice_invoice):
    client.force_login(bob.user)
    assert client.get(pdf_url(alice_invoice)).status_code == HTTPStatus.NOT_FOUND


def test_pdf_is_served_to_the_provider_who_issued_it(client, carol, alice_invoice):
    client.force_login(carol.user)
    response = client.get(pdf_url(alice_invoice))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"


def test_pdf_is_not_found_for_another_provider(client, dave, alice_invoice):
    client.force_login(dave.user)
    assert client.get(pdf_url(alice_invoice)).status_code == HTTPStatus.NOT_FOUND


def test_pdf_is_served_to_cooperative_staff(client, sam, alice_invoice):
    client.force_login(sam)
    assert client.get(pdf_url(alice_invoice)).status_code == HTTPStatus.OK


def test_pdf_of_a_draft_is_not_found_for_its_client(client, carol, alice, make_draft):
    draft = make_draft(carol, alice)
    client.force_login(alice.user)
    assert client.get(pdf_url(draft)).status_code == HTTPStatus.NOT_FOUND


def test_pdf_sends_anonymous_visitors_to_login(client, alice_invoice):
    response = client.get(pdf_url(alice_invoice))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_pdf_refuses_post(client, alice, alice_invoice):
    client.force_login(alice.user)
    assert client.post(pdf_url(alice_invoice)).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.fixture
def weasyprint_renders(monkeypatch):
    """Count WeasyPrint renderings, still rendering for real."""
    from weasyprint import HTML

    calls = []
    real = HTML.write_pdf

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counting)
    return calls


def test_an_unchanged_invoice_is_rendered_once_and_a_changed_one_again(
    client, alice, alice_invoice, weasyprint_renders
):
    client.force_login(alice.user)

    first = client.get(pdf_url(alice_invoice))
    second = client.get(pdf_url(alice_invoice))

    assert len(weasyprint_renders) == 1
    assert second.content == first.content
    services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("20.00"),
        paid_on=timezone.localdate(),
        mode=PaymentMode.CHEQUE,
        by=None,
    )
    after_payment = client.get(pdf_url(alice_invoice))
    assert len(weasyprint_renders) == 2
    assert "20,00 €" in text_of(after_payment)


def test_cached_pdfs_are_private_files_in_a_bounded_cache(client, alice, alice_invoice):
    from pathlib import Path

    from django.conf import settings

    client.force_login(alice.user)
    client.get(pdf_url(alice_invoice))

    pdf_cache = settings.CACHES["pdf"]
    folder = Path(pdf_cache["LOCATION"])
    [entry] = list(folder.iterdir())
    assert entry.stat().st_mode & 0o077 == 0
    assert folder.stat().st_mode & 0o077 == 0
    assert 0 < pdf_cache["OPTIONS"]["MAX_ENTRIES"] <= 10_000


@pytest.fixture
def stylesheet_parses(monkeypatch):
    """A fresh per-process renderer, counting the stylesheets WeasyPrint parses."""
    import weasyprint

    from invoices import pdf

    monkeypatch.setattr(pdf, "_renderer", None)
    parsed = []
    real = weasyprint.CSS

    def counting(*args, **kwargs):
        parsed.append(kwargs.get("string", "")[:40])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", counting)
    return parsed


def test_stylesheets_and_fonts_are_loaded_once_per_process(
    client, alice, alice_invoice, stylesheet_parses
):
    from invoices import pdf

    client.force_login(alice.user)
    first = text_of(client.get(pdf_url(alice_invoice)))
    renderer = pdf._process_renderer()
    pdf.render_pdf("pdf/print_base.html", {})

    assert len(stylesheet_parses) == 1  # print_base.css, for both documents
    assert pdf._process_renderer() is renderer  # one FontConfiguration
    assert "Total TTC 75,00 €" in first


def test_a_forked_process_builds_its_own_renderer(monkeypatch, stylesheet_parses):
    from invoices import pdf

    pdf.render_pdf("pdf/print_base.html", {})
    parent = pdf._process_renderer()
    monkeypatch.setattr(pdf.os, "getpid", lambda: parent.pid + 1)

    pdf.render_pdf("pdf/print_base.html", {})

    assert pdf._process_renderer() is not parent
    assert len(stylesheet_parses) == 2


def test_the_garbage_collector_waits_while_a_document_is_laid_out(monkeypatch):
    import gc

    import weasyprint

    from invoices import pdf

    seen = []
    real = weasyprint.HTML.write_pdf

    def recording(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", recording)

    document = pdf.render_pdf("pdf/print_base.html", {})

    assert document.startswith(b"%PDF")
    assert seen == [False]
    assert gc.isenabled()  # resumed afterwards


def test_the_garbage_collector_resumes_when_a_render_fails(monkeypatch):
    import gc

    import weasyprint

    from invoices import pdf

    def failing(self, *args, **kwargs):
        raise ValueError("broken document")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", failing)

    with pytest.raises(ValueError, match="broken document"):
        pdf.render_pdf("pdf/print_base.html", {})

    assert gc.isenabled()


def test_a_render_leaves_a_disabled_collector_disabled():
    import gc

    from invoices import pdf

    gc.disable()
    try:
        pdf.render_pdf("pdf/print_base.html", {})
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_pdf_cache_key_covers_the_print_stylesheets(
    client, alice, alice_invoice, weasyprint_renders, monkeypatch
):
    from invoices import pdf, pdf_cache

    client.force_login(alice.user)
    client.get(pdf_url(alice_invoice))
    source = pdf.stylesheet_source
    monkeypatch.setattr(pdf_cache, "stylesheet_source", lambda name: source(name) + "\n/* v2 */")
    pdf_cache._stylesheets_fingerprint.cache_clear()

    client.get(pdf_url(alice_invoice))

    pdf_cache._stylesheets_fingerprint.cache_clear()
    assert len(weasyprint_renders) == 2
