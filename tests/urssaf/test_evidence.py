"""Evidence packs for URSSAF: per client and year or per invoice, a ZIP with the documents and
the whole trail (PDF + CSV), built by a task with progress, stored privately, staff only."""

import csv
import datetime as dt
import io
import stat
import zipfile
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from invoices import services
from invoices.attestations import attestation_generate
from invoices.models import CreditNote, Invoice, PaymentMode
from urssaf.evidence import services as evidence_services
from urssaf.models import (
    EventKind,
    EvidencePack,
    PackStatus,
    PaymentRequest,
    PaymentRequestEvent,
    RequestState,
)
from urssaf.payments import services as urssaf_services

from ..invoices.conftest import pdf_text

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def sent(invoice: Invoice, code: str, **fields) -> PaymentRequest:
    request = PaymentRequest.objects.create(
        invoice=invoice,
        invoice_number=invoice.number,
        state=RequestState.SUBMITTED,
        urssaf_id=f"DP-{invoice.number}",
        submitted_at=AT,
        status_code=code,
        **fields,
    )
    history = [(EventKind.SUBMITTED, "", "10"), (EventKind.STATUS, "10", "20")]
    if code != "20":
        history.append((EventKind.STATUS, "20", code))
    for hours, (kind, previous, status) in enumerate(history):
        PaymentRequestEvent.objects.create(
            request=request,
            kind=kind,
            previous_code=previous,
            status_code=status,
            at=AT + dt.timedelta(hours=hours),
        )
    return request


@pytest.fixture
def alice_year(carol, alice, make_draft, make_quote, sam):
    """Alice's 2026: one invoice paid by URSSAF, one contested then corrected (credit note),
    a quote, and her attestation."""
    paid = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    request = sent(paid, "30", transfer_amount=paid.total_ttc, transfer_date=timezone.localdate())
    PaymentRequest.objects.filter(pk=request.pk).update(status_code="70")
    urssaf_services.urssaf_payment_book(request_id=request.pk)
    contested = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    sent(
        contested, "40", rejection_code="CONTEST_ERR_FACT", rejection_comment="Il n'y a eu que 2 h"
    )
    draft = urssaf_services.invoice_correct(invoice=contested, by=carol.user, detail="2 h")
    corrected = services.invoice_issue(invoice=draft, by=carol.user)
    services.payment_record(
        invoice=corrected,
        amount=corrected.total_ttc,
        paid_on=timezone.localdate(),
        mode=PaymentMode.TRANSFER,
        by=carol.user,
    )
    quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    attestation, _ = attestation_generate(client=alice, year=timezone.localdate().year)
    return {
        "paid": paid,
        "contested": contested,
        "corrected": corrected,
        "quote": quote,
        "attestation": attestation,
    }


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


def ask(staff, on_commit, **data):
    with on_commit():
        return staff.post(reverse("admin:urssaf_evidencepack_add"), data)


def unzip(pack: EvidencePack) -> zipfile.ZipFile:
    with pack.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_pack_for_a_client_and_a_year_holds_every_document_and_the_trail(
    staff, on_commit, alice, alice_year, sam
):
    year = timezone.localdate().year
    response = ask(staff, on_commit, client=alice.pk, year=year)

    pack = EvidencePack.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert (pack.status, pack.requested_by, pack.percent) == (PackStatus.DONE, sam, 100)
    archive = unzip(pack)
    paid, contested, corrected = (
        alice_year["paid"],
        alice_year["contested"],
        alice_year["corrected"],
    )
    note = CreditNote.objects.get(invoice=contested)
    assert sorted(archive.namelist()) == sorted(
        [
            f"factures/facture-{paid.number}.pdf",
            f"factures/facture-{contested.number}.pdf",
            f"factures/facture-{corrected.number}.pdf",
            f"avoirs/avoir-{note.number}.pdf",
            f"devis/devis-{alice_year['quote'].number}.pdf",
            f"attestations/{alice_year['attestation'].reference}.pdf",
            "historique.pdf",
            "demandes-de-paiement.csv",
            "validations-et-contestations.csv",
            "paiements.csv",
            "remboursements.csv",
            "versements-prestataires.csv",
            "journal-audit.csv",
            "LISEZMOI.txt",
        ]
    )
    assert pack.steps_total == pack.steps_done == 14
    requests = read_csv(archive, "demandes-de-paiement.csv")
    assert requests[0][:4] == ["facture", "idDemandePaiement", "date (heure de Paris)", "événement"]
    assert [
        paid.number,
        f"DP-{paid.number}",
        "24/11/2026 10:30",
        "Transmise",
        "",
        "10",
    ] == requests[1][:6]

    def codes(invoice):
        return [row[5] for row in requests[1:] if row[0] == invoice.number and row[5]]

    assert codes(paid) == ["10", "20", "30"]
    assert codes(contested) == ["10", "20", "40"]
    kinds = {row[3] for row in requests[1:] if row[0] == contested.number}
    assert "Action de l'équipe" in kinds  # superseded by the corrected invoice
    answers = read_csv(archive, "validations-et-contestations.csv")
    assert answers[1][:4] == [paid.number, f"DP-{paid.number}", "24/11/2026 12:30", "validée"]
    assert answers[2][3:7] == [
        "contestée",
        "CONTEST_ERR_FACT",
        "La facture comporte une erreur",
        "Il n'y a eu que 2 h",
    ]
    payments = read_csv(archive, "paiements.csv")
    assert [row[:6] for row in payments[1:]] == [
        [paid.number, payments[1][1], "Avance immédiate (URSSAF)", "75,00", "37,50", "37,50"],
        [corrected.number, payments[2][1], "Virement", "75,00", "", ""],
    ]
    payouts = read_csv(archive, "versements-prestataires.csv")
    assert {(row[0], row[2], row[3]) for row in payouts[1:]} == {
        (paid.number, "75,00", "À verser"),
        (corrected.number, "75,00", "À verser"),
    }
    audit_actions = {row[2] for row in read_csv(archive, "journal-audit.csv")[1:]}
    assert {"credit_note.issued", "invoice.cancelled", "invoice.corrected"} <= audit_actions
    trail = pdf_text(archive.read("historique.pdf"))
    assert "Validations et contestations du client" in trail
    assert f"annule {contested.number}" in trail
    assert "Contestée" in trail
    assert "evidence_pack.built" in [e.action for e in audit_trail(pack)]


def test_a_pack_for_an_invoice_follows_its_corrections(staff, on_commit, alice_year):
    contested, corrected = alice_year["contested"], alice_year["corrected"]

    ask(staff, on_commit, invoice=corrected.pk)

    archive = unzip(EvidencePack.objects.get())
    names = archive.namelist()
    assert f"factures/facture-{contested.number}.pdf" in names
    assert f"factures/facture-{corrected.number}.pdf" in names
    assert f"factures/facture-{alice_year['paid'].number}.pdf" not in names
    assert any(name.startswith("avoirs/") for name in names)
    text = pdf_text(archive.read(f"factures/facture-{corrected.number}.pdf"))
    assert f"Remplace la facture n° {contested.number}, annulée par l'avoir" in text


def test_the_invoice_admin_prepares_a_pack_per_selected_invoice(staff, on_commit, alice_year):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    with on_commit():
        staff.post(
            reverse("admin:invoices_invoice_changelist"),
            {
                "action": "request_evidence_packs",
                ACTION_CHECKBOX_NAME: [alice_year["paid"].pk, alice_year["corrected"].pk],
            },
        )

    assert sorted(
        p.invoice_id for p in EvidencePack.objects.filter(status=PackStatus.DONE)
    ) == sorted([alice_year["paid"].pk, alice_year["corrected"].pk])


def test_a_pack_asks_for_one_subject_and_says_so(staff, on_commit, alice, alice_invoice):
    both = ask(staff, on_commit, client=alice.pk, year=2026, invoice=alice_invoice.pk)
    neither = ask(staff, on_commit)

    assert "Choisissez soit un client et une année, soit une facture." in both.content.decode()
    assert "Choisissez soit un client et une année, soit une facture." in neither.content.decode()
    assert not EvidencePack.objects.exists()


def test_the_page_of_a_pack_being_built_shows_its_progress_and_reloads(staff, alice):
    pack = EvidencePack.objects.create(
        client=alice, year=2026, status=PackStatus.RUNNING, steps_total=8, steps_done=2
    )

    page = staff.get(reverse("admin:urssaf_evidencepack_change", args=[pack.pk])).content.decode()
    listing = staff.get(reverse("admin:urssaf_evidencepack_changelist")).content.decode()

    assert '<meta http-equiv="refresh" content="3">' in page
    assert "2 / 8 fichiers (25 %)" in page
    assert "2 / 8 fichiers (25 %)" in listing


def test_a_pack_is_built_once_even_if_the_task_runs_twice(alice, alice_year, sam):
    pack = EvidencePack.objects.create(
        client=alice, year=timezone.localdate().year, requested_by=sam
    )

    first = evidence_services.evidence_pack_build(pack_id=pack.pk)
    second = evidence_services.evidence_pack_build(pack_id=pack.pk)

    assert first.status == PackStatus.DONE
    assert second is None


def test_a_failed_build_is_recorded_not_lost(alice, alice_year, monkeypatch):
    pack = EvidencePack.objects.create(client=alice, year=timezone.localdate().year)

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(evidence_services, "_trail_pdf", broken)
    evidence_services.evidence_pack_build(pack_id=pack.pk)

    pack.refresh_from_db()
    assert (pack.status, pack.error) == (PackStatus.FAILED, "OSError: disk full")
    assert not pack.file


def test_only_staff_download_the_pack_and_it_is_stored_privately(
    client, staff, on_commit, alice, alice_year, carol
):
    ask(staff, on_commit, client=alice.pk, year=timezone.localdate().year)
    pack = EvidencePack.objects.get()
    url = reverse("admin:urssaf_evidencepack_download", args=[pack.pk])

    response = staff.get(url)
    data = b"".join(response.streaming_content)
    outsiders = []
    for user in (carol.user, alice.user):
        client.force_login(user)
        outsiders.append(client.get(url))
    client.logout()
    outsiders.append(client.get(url))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith("attachment")
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    for other in outsiders:
        assert other.status_code == HTTPStatus.FOUND
        assert other["Location"].startswith(reverse("admin:login"))
    path = Path(pack.file.path)
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert str(pack.code) in path.name
    assert len(path.stem) > len(str(pack.code)) + 16
    assert "evidence_pack.downloaded" in [e.action for e in audit_trail(pack)]
    assert Decimal(pack.steps_done) == pack.steps_total


def test_a_failed_pack_is_built_again_from_the_admin(staff, on_commit, alice, alice_year):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    pack = EvidencePack.objects.create(
        client=alice, year=timezone.localdate().year, status=PackStatus.FAILED, error="boom"
    )
    done = EvidencePack.objects.create(client=alice, year=2025, status=PackStatus.DONE)

    with on_commit():
        staff.post(
            reverse("admin:urssaf_evidencepack_changelist"),
            {"action": "retry_failed", ACTION_CHECKBOX_NAME: [pack.pk, done.pk]},
        )

    pack.refresh_from_db()
    assert (pack.status, pack.error) == (PackStatus.DONE, "")
    assert "evidence_pack.retried" in [e.action for e in audit_trail(pack)]
    done.refresh_from_db()
    assert done.status == PackStatus.DONE
