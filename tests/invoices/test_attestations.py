import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from pypdf import PdfReader

from clients.models import Client
from invoices.attestations import (
    AttestationFigures,
    attestation_generate,
    compute_figures,
    render_attestation_pdf,
    split_pro_rata,
)
from invoices.attestations.figures import masked_debited_account
from invoices.models import Attestation, PaymentMode

from ..factories import ClientFactory
from .conftest import bill, housework_month, pay, pdf_text, work

pytestmark = pytest.mark.django_db

D = Decimal
ISSUED = dt.date(2026, 3, 2)


def by_slug(attestation: Attestation) -> dict[str, dict]:
    return {nature["slug"]: nature for nature in attestation.figures["natures"]}


def stored_pdf_text(attestation: Attestation) -> str:
    with attestation.file.open("rb") as handle:
        return pdf_text(handle.read())


def figures_for(client, year: int) -> AttestationFigures:
    return compute_figures(Client.objects.select_related("cooperative").get(pk=client.pk), year)


# --- RULES.md §5, example 1 ----------------------------------------------------------------


def test_example_one_stored_figures_match_the_rules_to_the_cent(example_one):
    attestation, created = attestation_generate(client=example_one, year=2025)

    assert created
    natures = by_slug(attestation)
    assert natures["entretien-maison"]["paid"] == "6000.00"
    assert natures["petit-bricolage"]["paid"] == "800.00"
    for nature in natures.values():
        assert nature["ai_credit"] == nature["cesu"] == nature["apa_pch"] == "0.00"
    assert attestation.total_paid == D("6800.00")
    assert attestation.client_paid == D("6800.00")


def test_example_one_pdf_prints_the_same_amounts_and_no_cesu_sentence(example_one):
    attestation, _ = attestation_generate(client=example_one, year=2025)
    text = stored_pdf_text(attestation)

    assert "Entretien de la maison et travaux ménagers (case BDF) 6 000,00 € 0,00 € 0,00 €" in text
    assert "Total 6 800,00 € 0,00 € 0,00 € 0,00 € 6 800,00 €" in text
    assert "CESU préfinancé." not in text
    assert "financée personnellement" not in text


# --- RULES.md §5, example 2 ----------------------------------------------------------------


def test_example_two_stored_figures_split_ai_and_cesu_per_nature(example_two):
    attestation, _ = attestation_generate(client=example_two, year=2025)
    natures = by_slug(attestation)

    housework = natures["entretien-maison"]
    assert (housework["paid"], housework["ai_credit"], housework["cesu"]) == (
        "6000.00",
        "1500.00",
        "200.00",
    )
    bricolage = natures["petit-bricolage"]
    assert (bricolage["paid"], bricolage["ai_credit"], bricolage["cesu"]) == (
        "800.00",
        "0.00",
        "0.00",
    )
    figures = AttestationFigures.from_json(attestation.figures)
    assert [n.client_paid for n in figures.natures] == [D("4300.00"), D("800.00")]
    assert attestation.total_paid == D("6800.00")
    assert attestation.client_paid == D("5100.00")


def test_example_two_pdf_prints_lines_one_to_five_and_the_cesu_sentence(example_two):
    attestation, _ = attestation_generate(client=example_two, year=2025)
    text = stored_pdf_text(attestation)

    assert "(case BDF) 6 000,00 € 1 500,00 € 200,00 € 0,00 € 4 300,00 €" in text
    assert "(case BDH) 800,00 € 0,00 € 0,00 € 0,00 € 800,00 €" in text
    assert "Total 6 800,00 € 1 500,00 € 200,00 € 0,00 € 5 100,00 €" in text
    assert "Seule la part que vous avez financée personnellement ouvre droit" in text
    # "How to declare": line 1 minus lines 3 and 4, per nature.
    assert "5 800,00 €" in text
    assert "1 500,00 €, ligne 2" in text


def test_pdf_carries_every_mandatory_mention(example_two):
    attestation, _ = attestation_generate(client=example_two, year=2025)
    text = stored_pdf_text(attestation)

    for mention in (
        "Coopérative Services Solidaires",
        "12 rue de la République, 69002 Lyon",
        "SIREN 732829320",
        "SAP732829320 du 1er mars 2019",
        "Madame Alice Lefebvre",
        "8 rue du Soleil",
        "Carol Martin (INT-",
        "Janvier 2025",
        "3, 10, 17, 24",
        "20,00 h",
        "25,00 € / h",
        "Claire Fontaine",
        "Gérante",
        attestation.reference,
        "Page 1 / 2",
        "Avance immédiate : paiements rattachés à l'année de leur versement",
        "Conservez ce document",
    ):
        assert mention in text, mention


# --- Year boundaries and payment modes ------------------------------------------------------


def test_an_invoice_paid_across_31_december_counts_in_each_year_what_was_paid_in_it(carol, alice):
    invoice = housework_month(carol, alice, 2025, 12, 20, "30")  # 600 €, 20 h
    pay(invoice, "200.00", dt.date(2025, 12, 29), PaymentMode.TRANSFER)
    pay(invoice, "400.00", dt.date(2026, 1, 6), PaymentMode.TRANSFER)

    in_2025, in_2026 = figures_for(alice, 2025), figures_for(alice, 2026)

    assert in_2025.total.paid == D("200.00")
    assert in_2026.total.paid == D("400.00")
    # The December services appear in both, for the share of their duration paid in each.
    assert in_2025.services[0].month == in_2026.services[0].month == dt.date(2025, 12, 1)
    assert (in_2025.services[0].hours, in_2026.services[0].hours) == (D("6.68"), D("13.32"))


def test_a_cash_payment_is_left_out_of_the_amounts_and_listed_in_a_note(carol, alice):
    invoice = housework_month(carol, alice, 2025, 5, 4, "30")  # 120 €
    pay(invoice, "100.00", dt.date(2025, 5, 27), PaymentMode.TRANSFER)
    pay(invoice, "20.00", dt.date(2025, 5, 28), PaymentMode.CASH)

    attestation, _ = attestation_generate(client=alice, year=2025)
    text = stored_pdf_text(attestation)

    assert attestation.total_paid == D("100.00")
    assert attestation.figures["cash_payments"] == [
        {"paid_on": "2025-05-28", "amount": "20.00", "invoice_number": invoice.number}
    ]
    assert "Paiements en espèces non retenus" in text
    assert f"28 mai 2025, 20,00 € (facture {invoice.number})" in text


def test_ai_amounts_are_the_booked_credit_share_of_ai_payments(carol, alice):
    invoice = housework_month(carol, alice, 2025, 9, 4, "25.005")  # 100.02 €
    pay(invoice, "100.02", dt.date(2025, 9, 29), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="50.01")

    figures = figures_for(alice, 2025)

    assert figures.total.paid == D("100.02")
    assert figures.total.ai_credit == D("50.01")
    assert figures.total.client_paid == D("50.01")
    assert figures.services[0].price_label == "25,005\u00a0€\u00a0/\u00a0h"


def test_ai_payments_follow_the_grace_days_setting_and_the_footer_says_so(carol, alice, settings):
    settings.ATTESTATION_AI_YEAR_GRACE_DAYS = 15
    invoice = housework_month(carol, alice, 2025, 12, 4, "30")
    pay(invoice, "120.00", dt.date(2026, 1, 12), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="60.00")

    assert figures_for(alice, 2025).total.ai_credit == D("60.00")
    assert figures_for(alice, 2026).natures == []
    attestation, _ = attestation_generate(client=alice, year=2025)
    text = stored_pdf_text(attestation)
    assert "paiements versés par l'Urssaf du 16/01/2025 au 15/01/2026 inclus" in text


def test_a_payment_on_a_mixed_invoice_is_split_pro_rata_and_adds_up_to_the_cent(carol, alice):
    lines = [
        work("entretien-maison", dt.date(2025, 2, 3), "1", "33.33"),
        work("jardinage", dt.date(2025, 2, 4), "1", "33.33"),
        work("petit-bricolage", dt.date(2025, 2, 5), "1", "33.34"),
    ]
    invoice = bill(carol, alice, lines, issued=dt.date(2025, 2, 6))  # 100.00 €
    pay(invoice, "10.00", dt.date(2025, 2, 10), PaymentMode.TRANSFER)

    paid = {n.slug: n.paid for n in figures_for(alice, 2025).natures}

    # 3.333 / 3.333 / 3.334 rounded gives 9.99: the missing cent goes to the largest line.
    assert paid == {
        "entretien-maison": D("3.33"),
        "jardinage": D("3.33"),
        "petit-bricolage": D("3.34"),
    }


def test_split_pro_rata_puts_the_rounding_remainder_on_the_largest_weight():
    shares = split_pro_rata(D("100.00"), [D("1"), D("1"), D("1")])

    assert sum(shares) == D("100.00")
    assert shares == [D("33.34"), D("33.33"), D("33.33")]
    assert split_pro_rata(D("0.05"), [D("10"), D("30")]) == [D("0.01"), D("0.04")]


def test_figures_take_the_same_number_of_queries_whatever_the_number_of_payments(
    carol, alice, bob, dave
):
    pay(housework_month(dave, bob, 2025, 1, 4, "30"), "120.00", dt.date(2025, 1, 28), "virement")
    for month in range(1, 13):
        invoice = housework_month(carol, alice, 2025, month, 4, "30")
        pay(invoice, "60.00", dt.date(2025, month, 26), PaymentMode.TRANSFER)
        pay(invoice, "60.00", dt.date(2025, month, 27), PaymentMode.CHEQUE)
    clients = Client.objects.select_related("cooperative")

    counts = []
    for client in (clients.get(pk=bob.pk), clients.get(pk=alice.pk)):
        with CaptureQueriesContext(connection) as queries:
            compute_figures(client, 2025)
        counts.append(len(queries))

    # Payments with their invoices, their lines, and the refunds of credit notes (none here).
    assert counts == [3, 3]


def test_producing_an_attestation_takes_the_same_queries_whatever_the_number_of_lines(
    carol, alice, bob, dave
):
    pay(housework_month(dave, bob, 2025, 1, 4, "30"), "120.00", dt.date(2025, 1, 28), "virement")
    for month in range(1, 13):
        invoice = housework_month(carol, alice, 2025, month, 8, "30")
        pay(invoice, "120.00", dt.date(2025, month, 26), PaymentMode.TRANSFER)
        pay(invoice, "120.00", dt.date(2025, month, 27), PaymentMode.CHEQUE)

    counts = []
    for client in (bob, alice):
        with CaptureQueriesContext(connection) as queries:
            attestation, _ = attestation_generate(client=client, year=2025)
        counts.append(len(queries))

    assert len(attestation.figures["services"]) == 12  # 48 lines, 24 payments
    assert counts[0] == counts[1]


def test_figures_survive_the_round_trip_through_json(example_two):
    figures = figures_for(example_two, 2025)

    again = AttestationFigures.from_json(figures.to_json())

    assert again == figures
    assert again.services[0].month == dt.date(2025, 1, 1)
    assert again.total.client_paid == D("5100.00")


def test_the_debited_account_is_printed_masked_only_when_the_portal_knows_it(carol, alice):
    pay(
        housework_month(carol, alice, 2025, 4, 4, "30"),
        "120.00",
        dt.date(2025, 4, 28),
        PaymentMode.DIRECT_DEBIT,
    )
    client = Client.objects.select_related("cooperative").get(pk=alice.pk)
    assert compute_figures(client, 2025).debited_account == ""

    client.iban = "FR7630006000011234567890189"  # what AI registration will provide
    figures = compute_figures(client, 2025)
    pdf = render_attestation_pdf(figures=figures, reference="AF-T", issued_on=ISSUED)

    assert figures.debited_account == masked_debited_account(client) == "FR76 •••• •••• 0189"
    assert "Compte débité : FR76 •••• •••• 0189" in pdf_text(pdf)
    assert "7630006000011234567890" not in pdf_text(pdf)


# --- Versions --------------------------------------------------------------------------------


def test_generating_again_with_unchanged_figures_keeps_the_current_version(example_one):
    first, _ = attestation_generate(client=example_one, year=2025)

    again, created = attestation_generate(client=example_one, year=2025)

    assert not created
    assert again == first
    assert Attestation.objects.filter(client=example_one).count() == 1


def test_a_correction_creates_a_new_version_and_keeps_the_old_one(carol, alice):
    invoice = housework_month(carol, alice, 2025, 5, 4, "30")
    pay(invoice, "100.00", dt.date(2025, 5, 27), PaymentMode.TRANSFER)
    first, _ = attestation_generate(client=alice, year=2025)
    pay(invoice, "20.00", dt.date(2025, 5, 30), PaymentMode.CHEQUE)  # recorded late

    second, created = attestation_generate(client=alice, year=2025)

    assert created
    assert (first.version, second.version) == (1, 2)
    assert second.reference != first.reference
    assert (first.total_paid, second.total_paid) == (D("100.00"), D("120.00"))
    first.refresh_from_db()
    assert first.file.storage.exists(first.file.name)
    assert list(Attestation.objects.latest_versions()) == [second]


def test_the_client_is_emailed_once_per_version(
    example_one, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attestation, _ = attestation_generate(client=example_one, year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        attestation_generate(client=example_one, year=2025)  # unchanged: no new version

    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Votre attestation fiscale 2025 est disponible"
    assert mailoutbox[0].to == [example_one.email]
    assert "/attestations/" in mailoutbox[0].body
    attestation.refresh_from_db()
    assert attestation.emailed_at is not None


def test_a_client_without_an_account_gets_the_attestation_attached_and_how_to_sign_up(
    example_one, mailoutbox, django_capture_on_commit_callbacks
):
    from clients.models import Client

    Client.objects.filter(pk=example_one.pk).update(user=None)
    example_one.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        attestation, _ = attestation_generate(client=example_one, year=2025)

    [mail] = mailoutbox
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"{attestation.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Elle est jointe à ce message" in mail.body
    assert "/inscription/" in mail.body
    assert "/attestations/" not in mail.body


def test_a_client_with_an_account_gets_a_link_and_no_attachment(
    example_one, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attestation_generate(client=example_one, year=2025)

    assert mailoutbox[0].attachments == []


def test_a_client_with_nothing_attestable_gets_no_attestation(carol, alice):
    invoice = housework_month(carol, alice, 2025, 5, 4, "30")
    pay(invoice, "120.00", dt.date(2025, 5, 27), PaymentMode.CASH)

    with pytest.raises(Exception, match="Aucune somme attestable"):
        attestation_generate(client=alice, year=2025)
    assert not Attestation.objects.exists()


def test_another_clients_payments_never_reach_the_attestation(example_one, cooperative, carol):
    other = ClientFactory(cooperative=cooperative, providers=[carol])
    pay(housework_month(carol, other, 2025, 11, 4, "30"), "120.00", dt.date(2025, 11, 27), "cheque")

    assert figures_for(example_one, 2025).total.paid == D("6800.00")
    assert figures_for(other, 2025).total.paid == D("120.00")


def test_the_signature_image_is_printed_when_configured(example_one, settings, tmp_path):
    signature = tmp_path / "signature.png"
    Image.new("RGB", (300, 90), "navy").save(signature)
    figures = figures_for(example_one, 2025)
    unsigned = render_attestation_pdf(figures=figures, reference="AF-T", issued_on=ISSUED)

    settings.ATTESTATION_SIGNATURE_IMAGE = str(signature)
    signed = render_attestation_pdf(figures=figures, reference="AF-T", issued_on=ISSUED)

    # WeasyPrint shares the resources between pages, so the image may be listed on each.
    assert _image_count(signed) > 0
    assert _image_count(unsigned) == 0


def _image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_natures_subtotal_is_never_alone_at_the_top_of_a_page(carol, alice):
    """However many rows come before, the page break never leaves a subtotal without its rows
    (seen on a two-page attestation: page 2 held « Sous-total » and the signature only)."""
    garden = work("jardinage", dt.date(2025, 1, 2), "2", "35")
    pay(
        bill(carol, alice, [garden], issued=dt.date(2025, 1, 2)),
        "70.00",
        dt.date(2025, 1, 3),
        "virement",
    )
    continued = []
    for month in range(1, 13):
        pay(
            housework_month(carol, alice, 2025, month, 4, "26"),
            "104.00",
            dt.date(2025, month, 26),
            "virement",
        )
        pdf = render_attestation_pdf(
            figures=figures_for(alice, 2025), reference="AF-TEST", issued_on=ISSUED
        )
        for page in PdfReader(io.BytesIO(pdf)).pages[1:]:
            text = " ".join(page.extract_text().split())
            if text.startswith("Mois Intervenant"):  # the services table goes on here
                continued.append(text.split("Montant payé", 1)[1].lstrip())

    assert continued  # the table did run over a page
    assert not [top for top in continued if top.startswith("Sous-total")]
