"""Credit notes (avoirs): their own gap-free series, the refund they record, and what they do to
the attestation and the payout ledger (figures to the cent), each step in the audit trail."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.services import audit_trail
from invoices import services
from invoices.attestations import attestation_generate, compute_figures
from invoices.models import (
    CreditNote,
    CreditNoteReason,
    InvoiceStatus,
    PaymentMode,
    Payout,
    PayoutStatus,
)
from invoices.services import RefundData, invoice_credit, payouts

from .conftest import at_noon, bill, pay, pdf_text, work

pytestmark = pytest.mark.django_db
D = Decimal


def credit(invoice, on: dt.date, refund: RefundData | None = None, **kwargs):
    with at_noon(on):
        return invoice_credit(
            invoice=invoice,
            by=invoice.provider.user,
            reason=kwargs.pop("reason", CreditNoteReason.INVOICE_ERROR),
            refund=refund,
            **kwargs,
        )


def two_natures(provider, client, issued=dt.date(2026, 3, 10)):
    """75 € of housework and 33,33 € of gardening: a refund splits to the cent across them."""
    lines = [
        work("entretien-maison", dt.date(2026, 3, 2), "3", "25"),
        work("jardinage", dt.date(2026, 3, 3), "1", "33.33"),
    ]
    return bill(provider, client, lines, issued=issued)


def test_a_credit_note_copies_the_invoice_and_cancels_it_under_its_own_number(carol, alice):
    invoice = two_natures(carol, alice)

    note = credit(invoice, dt.date(2026, 3, 12), detail="Taux horaire erroné")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert (note.number, note.issue_date, note.status) == (
        "AV-2026-00001",
        dt.date(2026, 3, 12),
        "issued",
    )
    assert (note.total_ht, note.total_tva, note.total_ttc) == (
        invoice.total_ht,
        invoice.total_tva,
        invoice.total_ttc,
    )
    assert note.total_ttc == D("108.33")
    assert [(li.nature.slug, li.quantity, li.total_ttc) for li in note.lines.all()] == [
        ("entretien-maison", D("3"), D("75.00")),
        ("jardinage", D("1"), D("33.33")),
    ]
    assert (note.invoice, note.client, note.provider) == (invoice, alice, carol)
    assert note.reason_text == "Erreur constatée sur la facture — Taux horaire erroné"


def test_credit_notes_are_numbered_without_gap_even_after_a_refused_one(carol, alice):
    first = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "2", "25")],
        issued=dt.date(2026, 3, 5),
    )
    paid = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 3), "2", "25")],
        issued=dt.date(2026, 3, 5),
    )
    third = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 4), "2", "25")],
        issued=dt.date(2026, 3, 5),
    )
    pay(paid, "50.00", dt.date(2026, 3, 6), PaymentMode.TRANSFER)

    one = credit(first, dt.date(2026, 3, 10))
    with pytest.raises(ValidationError, match="indiquez comment"):
        credit(paid, dt.date(2026, 3, 10))  # refused: the client paid and no refund is said
    two = credit(third, dt.date(2026, 3, 11))
    next_invoice = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 5), "1", "25")],
        issued=dt.date(2026, 3, 12),
    )

    assert [one.number, two.number] == ["AV-2026-00001", "AV-2026-00002"]
    # The invoices' own series is not touched by the credit notes.
    assert next_invoice.number == "2026-00004"
    assert not CreditNote.objects.filter(invoice=paid).exists()


def test_crediting_twice_returns_the_same_credit_note(carol, alice, alice_invoice):
    one = invoice_credit(
        invoice=alice_invoice, by=carol.user, reason=CreditNoteReason.INVOICE_ERROR
    )
    two = invoice_credit(
        invoice=alice_invoice, by=carol.user, reason=CreditNoteReason.INVOICE_ERROR
    )

    assert one == two
    assert CreditNote.objects.count() == 1


def test_a_draft_or_a_cancelled_invoice_gets_no_credit_note(
    carol, alice, make_draft, alice_invoice
):
    with pytest.raises(ValidationError, match="Seule une facture émise"):
        invoice_credit(invoice=make_draft(carol, alice), by=carol.user, reason="invoice_error")
    services.invoice_cancel(invoice=alice_invoice, by=carol.user)  # cancelling issues one
    assert CreditNote.objects.get().reason == CreditNoteReason.CANCELLED


def test_a_refund_is_refused_when_nothing_was_paid_or_its_date_is_wrong(carol, alice):
    invoice = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "2", "25")],
        issued=dt.date(2026, 3, 5),
    )
    refund = RefundData(dt.date(2026, 3, 9), PaymentMode.TRANSFER)
    with pytest.raises(ValidationError, match="rien à rembourser"):
        credit(invoice, dt.date(2026, 3, 10), refund)
    pay(invoice, "50.00", dt.date(2026, 3, 6), PaymentMode.TRANSFER)
    with pytest.raises(ValidationError) as exc:
        credit(invoice, dt.date(2026, 3, 10), RefundData(dt.date(2026, 3, 20), PaymentMode.CESU))
    assert exc.value.messages == [
        "Choisissez comment le client est remboursé (virement, chèque, carte…).",
        "La date du remboursement ne peut pas être dans le futur.",
    ]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert not CreditNote.objects.exists()


def test_the_refund_of_a_paid_invoice_cancels_the_payout_still_due(carol, alice):
    invoice = two_natures(carol, alice)
    pay(invoice, "108.33", dt.date(2026, 3, 12), PaymentMode.TRANSFER)
    payout = Payout.objects.get(invoice=invoice)
    assert (payout.status, payout.amount) == (PayoutStatus.DUE, D("108.33"))

    note = credit(
        invoice,
        dt.date(2026, 3, 13),
        RefundData(dt.date(2026, 3, 13), PaymentMode.TRANSFER, "VIR 42"),
    )

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.CANCELLED
    assert (note.refund.amount, note.refund.mode, note.refund.reference) == (
        D("108.33"),
        PaymentMode.TRANSFER,
        "VIR 42",
    )
    assert Payout.objects.due().for_provider(carol).count() == 0


def test_a_payout_already_paid_is_flagged_to_recover_and_the_new_invoice_owes_its_own(
    carol, alice, sam
):
    invoice = two_natures(carol, alice)
    pay(invoice, "108.33", dt.date(2026, 3, 12), PaymentMode.TRANSFER)
    payouts.payouts_mark_paid(payouts=Payout.objects.filter(invoice=invoice), by=sam)

    credit(invoice, dt.date(2026, 3, 13), RefundData(dt.date(2026, 3, 13), PaymentMode.CHEQUE))
    corrected = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "3", "22")],
        issued=dt.date(2026, 3, 14),
    )
    pay(corrected, "66.00", dt.date(2026, 3, 16), PaymentMode.TRANSFER)

    old, new = Payout.objects.get(invoice=invoice), Payout.objects.get(invoice=corrected)
    assert (old.status, old.amount, old.reversed_at is not None) == (
        PayoutStatus.PAID,
        D("108.33"),
        True,
    )
    assert (new.status, new.amount) == (PayoutStatus.DUE, D("66.00"))
    # What the provider keeps in the end: paid 108,33 € to recover, 66 € still due.
    to_recover = sum(
        p.amount for p in Payout.objects.filter(provider=carol, reversed_at__isnull=False)
    )
    due = sum(p.amount for p in Payout.objects.due().filter(provider=carol))
    assert due - to_recover == D("-42.33")


def test_paid_and_refunded_in_the_year_leaves_only_the_corrected_invoice_on_the_attestation(
    carol, alice
):
    wrong = two_natures(carol, alice)
    pay(wrong, "108.33", dt.date(2026, 3, 12), PaymentMode.TRANSFER)
    credit(wrong, dt.date(2026, 3, 13), RefundData(dt.date(2026, 3, 13), PaymentMode.TRANSFER))
    lines = [
        work("entretien-maison", dt.date(2026, 3, 2), "3", "25"),
        work("jardinage", dt.date(2026, 3, 3), "1", "30"),
    ]
    right = bill(carol, alice, lines, issued=dt.date(2026, 3, 14))
    pay(right, "105.00", dt.date(2026, 3, 16), PaymentMode.TRANSFER)

    figures = compute_figures(alice, 2026)

    assert [(n.slug, n.paid, n.client_paid) for n in figures.natures] == [
        ("entretien-maison", D("75.00"), D("75.00")),
        ("jardinage", D("30.00"), D("30.00")),
    ]
    assert figures.total.paid == D("105.00")
    # The services summary counts the 3 h of housework once, not twice.
    assert [(r.nature_slug, r.hours, r.amount) for r in figures.services] == [
        ("entretien-maison", D("3.00"), D("75.00")),
        ("jardinage", D("1.00"), D("30.00")),
    ]


def test_a_refund_the_next_year_comes_off_that_year_to_the_cent(carol, alice):
    wrong = two_natures(carol, alice, issued=dt.date(2026, 12, 10))
    pay(wrong, "108.33", dt.date(2026, 12, 12), PaymentMode.TRANSFER)
    credit(wrong, dt.date(2027, 1, 8), RefundData(dt.date(2027, 1, 8), PaymentMode.TRANSFER))

    assert compute_figures(alice, 2026).total.paid == D("108.33")
    next_year = compute_figures(alice, 2027)
    # 108,33 € split pro rata of 75,00 and 33,33: 75,00 and 33,33 exactly.
    assert [(n.slug, n.paid) for n in next_year.natures] == [
        ("entretien-maison", D("-75.00")),
        ("jardinage", D("-33.33")),
    ]
    assert next_year.total.paid == D("-108.33")


def test_an_avance_immediate_invoice_refunded_outside_it_keeps_the_credit_urssaf_paid(carol, alice):
    wrong = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "4", "25")],
        issued=dt.date(2026, 3, 5),
    )
    pay(wrong, "100.00", dt.date(2026, 3, 10), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="50.00")
    credit(wrong, dt.date(2026, 3, 11), RefundData(dt.date(2026, 3, 11), PaymentMode.TRANSFER))
    right = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "4", "20")],
        issued=dt.date(2026, 3, 12),
    )
    pay(right, "80.00", dt.date(2026, 3, 18), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="40.00")

    total = compute_figures(alice, 2026).total

    # Paid 100 + 80 - 100 refunded = 80; URSSAF's AI credit (50 + 40) stays as paid: the
    # client's return pre-fills it, and the attestation shows what they bore (-10 €).
    assert (total.paid, total.ai_credit, total.client_paid, total.declarable) == (
        D("80.00"),
        D("90.00"),
        D("-10.00"),
        D("80.00"),
    )


def test_a_refund_of_a_cash_payment_does_not_come_off_the_attestation(carol, alice):
    wrong = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "2", "25")],
        issued=dt.date(2026, 3, 5),
    )
    pay(wrong, "50.00", dt.date(2026, 3, 6), PaymentMode.CASH)
    credit(wrong, dt.date(2026, 3, 7), RefundData(dt.date(2026, 3, 7), PaymentMode.CASH))

    figures = compute_figures(alice, 2026)

    assert figures.natures == []
    assert [c.amount for c in figures.cash_payments] == [D("50.00")]


def test_every_step_is_in_the_audit_trail(carol, alice):
    invoice = two_natures(carol, alice)
    pay(invoice, "108.33", dt.date(2026, 3, 12), PaymentMode.TRANSFER)

    note = credit(
        invoice, dt.date(2026, 3, 13), RefundData(dt.date(2026, 3, 13), PaymentMode.CHEQUE)
    )

    assert {e.action for e in audit_trail(note)} == {"credit_note.issued", "credit_note.refunded"}
    assert all(e.actor == carol.user for e in audit_trail(note))
    invoice_actions = [e.action for e in audit_trail(invoice)]
    assert "invoice.cancelled" in invoice_actions
    payout = Payout.objects.get(invoice=invoice)
    assert "payout.cancelled" in [e.action for e in audit_trail(payout)]


def test_the_credit_note_pdf_names_the_invoice_it_cancels(client, carol, alice, bob):
    invoice = two_natures(carol, alice)
    pay(invoice, "108.33", dt.date(2026, 3, 12), PaymentMode.TRANSFER)
    note = credit(
        invoice,
        dt.date(2026, 3, 13),
        RefundData(dt.date(2026, 3, 13), PaymentMode.CHEQUE),
        detail="2 h au lieu de 3",
    )
    url = reverse("invoices:credit_note_pdf", args=[note.code])

    client.force_login(alice.user)
    text = pdf_text(client.get(url).content)
    invoice_pdf = pdf_text(client.get(reverse("invoices:pdf", args=[invoice.code])).content)
    client.force_login(bob.user)
    other = client.get(url)

    assert "AVOIR" in text
    assert "AV-2026-00001" in text
    assert f"Facture annulée n° {invoice.number} du 10/03/2026" in text
    assert "2 h au lieu de 3" in text
    assert "Remboursé au client 108,33" in text
    assert "par l'avoir n° AV-2026-00001" in invoice_pdf
    assert other.status_code == HTTPStatus.NOT_FOUND


def test_an_attestation_net_of_an_ai_refund_is_stored_with_its_negative_line_five(carol, alice):
    wrong = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "4", "25")],
        issued=dt.date(2026, 3, 5),
    )
    pay(wrong, "100.00", dt.date(2026, 3, 10), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="50.00")
    credit(wrong, dt.date(2026, 3, 11), RefundData(dt.date(2026, 3, 11), PaymentMode.TRANSFER))
    right = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 3, 2), "4", "20")],
        issued=dt.date(2026, 3, 12),
    )
    pay(right, "80.00", dt.date(2026, 3, 18), PaymentMode.IMMEDIATE_ADVANCE, ai_credit="40.00")

    attestation, _ = attestation_generate(client=alice, year=2026)

    assert (attestation.total_paid, attestation.client_paid) == (D("80.00"), D("-10.00"))
    with attestation.file.open("rb") as stored:
        assert "-10,00" in pdf_text(stored.read())
