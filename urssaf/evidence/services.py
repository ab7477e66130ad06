"""Evidence packs: request one, and build its ZIP (from a Celery task, with progress).

A pack holds, for one client and year or for one invoice (with the invoices it replaced or
that replace it): the PDFs of the invoices, credit notes and quotes, the stored attestations,
the payment requests' history with dates and URSSAF codes, the client's validations and
contestations, the payments, refunds and provider payouts, and the audit trail; the trail both
as a PDF (to read) and as CSV files (to check). Built in memory, stored in the private media
folder under an unguessable name; only the staff download it, from the admin.
"""

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit
from clients.models import Client, User
from invoices.models import (
    Attestation,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    Payout,
    Quote,
    QuoteStatus,
    Refund,
)
from invoices.pdf import render_pdf
from invoices.printing import (
    credit_note_document_context,
    quote_document_context,
)

from .. import tasks
from ..payments.models import PaymentRequest, PaymentRequestEvent
from ..payments.selectors import invoice_context
from ..payments.statuses import RejectionInfo, rejection_info, status_info
from .models import EvidencePack, PackStatus

logger = logging.getLogger(__name__)

# What a client did on their URSSAF space: validated (30) or contested (40) the request.
CLIENT_ANSWER_CODES = ("30", "40")


def evidence_pack_submit(*, pack: EvidencePack, by: User) -> EvidencePack:
    """Save a new pack (a client and a year, or an invoice) and build it in the background.

    Returns the pack, pending. Raises ValidationError (French) for a subject that is not one
    of the two, or a draft invoice (it proves nothing).
    """
    pack.requested_by = by
    pack.status = PackStatus.PENDING
    pack.full_clean(exclude=["file"])
    if pack.invoice is not None and pack.invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError("Un brouillon n'a rien à prouver : choisissez une facture émise.")
    with transaction.atomic():
        pack.save()
        audit(actor=by, action="evidence_pack.requested", obj=pack)
        pack_id = pack.pk
        transaction.on_commit(lambda: tasks.build_evidence_pack.delay(pack_id))
    return pack


def evidence_pack_retry(*, pack: EvidencePack, by: User) -> bool:
    """Build a failed pack again; return False when it had not failed (nothing is done).

    The conditional update makes a double click start one build.
    """
    with transaction.atomic():
        moved = EvidencePack.objects.filter(pk=pack.pk, status=PackStatus.FAILED).update(
            status=PackStatus.PENDING, error="", steps_done=0, finished_at=None
        )
        if not moved:
            return False
        audit(actor=by, action="evidence_pack.retried", obj=pack)
        pack_id = pack.pk
        transaction.on_commit(lambda: tasks.build_evidence_pack.delay(pack_id))
    return True


@dataclass
class Evidence:
    """The records one pack is made of."""

    invoices: list[Invoice]
    credit_notes: list[CreditNote]
    quotes: list[Quote]
    attestations: list[Attestation]
    requests: list[PaymentRequest]
    events: list[PaymentRequestEvent]
    payments: list[Payment]
    refunds: list[Refund]
    payouts: list[Payout]
    audit_entries: list[AuditEntry] = field(default_factory=list)

    @property
    def client_answers(self) -> list[PaymentRequestEvent]:
        return [e for e in self.events if e.status_code in CLIENT_ANSWER_CODES]


def _invoice_chain(invoice: Invoice) -> list[Invoice]:
    """The invoice, the invoices it replaced and those that replace it, oldest first."""
    chain = [invoice]
    while (replaced := chain[0].replaces) is not None:
        chain.insert(0, replaced)
    while (nxt := Invoice.objects.filter(replaces=chain[-1]).first()) is not None:
        chain.append(nxt)
    return [doc for doc in chain if doc.status != InvoiceStatus.DRAFT]


def _invoices_of(pack: EvidencePack) -> tuple[list[Invoice], Client, set[int]]:
    """Return the pack's invoices, its client and the years its attestations are taken from."""
    if pack.invoice is not None:
        invoices = _invoice_chain(pack.invoice)
        # No drafts in the chain: each has its date (constraint invoice_issued_has_number).
        years = {cast(date, i.issue_date).year for i in invoices}
        years |= {
            p.year for p in Payment.objects.filter(invoice__in=invoices).dates("paid_on", "year")
        }
        return invoices, pack.invoice.client, years
    # No invoice, hence a client and a year (constraint evidence_pack_one_subject).
    client, year = cast(Client, pack.client), cast(int, pack.year)
    invoices = list(
        Invoice.objects.filter(client=client)
        .exclude(status=InvoiceStatus.DRAFT)
        .filter(
            Q(issue_date__year=year)
            | Q(payments__paid_on__year=year)
            | Q(credit_note__issue_date__year=year)
        )
        .distinct()
        .order_by("issue_date", "number")
    )
    return invoices, client, {year}


def gather(pack: EvidencePack) -> Evidence:
    """Collect the records of the pack's subject: its invoices, then one query per kind of
    record (documents, requests and their events, payments, refunds, payouts, audit)."""
    invoices, client, years = _invoices_of(pack)
    quotes = Quote.objects.filter(Q(invoice__in=invoices)).exclude(status=QuoteStatus.DRAFT)
    if pack.year:
        quotes = quotes | Quote.objects.filter(client=client, issue_date__year=pack.year).exclude(
            status=QuoteStatus.DRAFT
        )
    requests = list(
        PaymentRequest.objects.filter(invoice__in=invoices).order_by("created_at", "pk")
    )
    evidence = Evidence(
        invoices=invoices,
        credit_notes=list(CreditNote.objects.filter(invoice__in=invoices).order_by("number")),
        quotes=list(quotes.distinct().order_by("issue_date", "number")),
        attestations=list(
            Attestation.objects.filter(client=client, year__in=years).order_by("year", "version")
        ),
        requests=requests,
        events=list(
            PaymentRequestEvent.objects.filter(request__in=requests)
            .select_related("request")
            .order_by("at", "pk")
        ),
        payments=list(
            Payment.objects.filter(invoice__in=invoices)
            .select_related("invoice", "reversal")
            .order_by("paid_on", "pk")
        ),
        refunds=list(
            Refund.objects.filter(credit_note__invoice__in=invoices)
            .select_related("credit_note__invoice")
            .order_by("refunded_on", "pk")
        ),
        payouts=list(
            Payout.objects.filter(invoice__in=invoices)
            .select_related("invoice", "provider")
            .order_by("due_at", "pk")
        ),
    )
    evidence.audit_entries = _audit_entries(evidence)
    return evidence


def _audit_entries(evidence: Evidence) -> list[AuditEntry]:
    condition = Q(pk__in=[])
    for objects in (
        evidence.invoices,
        evidence.credit_notes,
        evidence.quotes,
        evidence.requests,
        evidence.payouts,
    ):
        if objects:
            content_type = ContentType.objects.get_for_model(objects[0])
            ids = [str(obj.pk) for obj in objects]
            condition |= Q(content_type=content_type, object_id__in=ids)
    return list(
        AuditEntry.objects.filter(condition).select_related("actor").order_by("created_at", "pk")
    )


# --- the files ---------------------------------------------------------------------------------


def _local(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}" if moment else ""


def _day(day) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _amount(value) -> str:
    # French spreadsheets read a decimal comma; no thousands separator, so they stay numbers.
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # The BOM tells spreadsheet software the file is UTF-8 (accents in labels and names).
    return ("\ufeff" + out.getvalue()).encode()


# Each CSV file is a table of columns: its header and what it shows of one row.
Columns = tuple[tuple[str, Callable[[Any], object]], ...]


def _table(columns: Columns, rows: Iterable[Any]) -> bytes:
    return _csv(
        [title for title, _ in columns], [[value(row) for _, value in columns] for row in rows]
    )


def _answer_reason(event: PaymentRequestEvent) -> RejectionInfo | None:
    # A contestation (40) comes with the client's reason; a validation (30) with none.
    return rejection_info(event.request.rejection_code) if event.status_code == "40" else None


REQUEST_COLUMNS: Columns = (
    ("facture", lambda e: e.request.invoice_number),
    ("idDemandePaiement", lambda e: e.request.urssaf_id),
    ("date (heure de Paris)", lambda e: _local(e.at)),
    ("événement", lambda e: e.get_kind_display()),
    ("statut précédent", lambda e: e.previous_code),
    ("statut", lambda e: e.status_code),
    ("libellé du statut", lambda e: status_info(e.status_code).label if e.status_code else ""),
    ("détail", lambda e: e.message),
)
ANSWER_COLUMNS: Columns = (
    ("facture", lambda e: e.request.invoice_number),
    ("idDemandePaiement", lambda e: e.request.urssaf_id),
    ("date", lambda e: _local(e.at)),
    ("réponse du client", lambda e: "validée" if e.status_code == "30" else "contestée"),
    ("motif", lambda e: e.request.rejection_code if _answer_reason(e) else ""),
    ("libellé", lambda e: reason.label if (reason := _answer_reason(e)) else ""),
    ("commentaire", lambda e: e.request.rejection_comment if _answer_reason(e) else ""),
)
PAYMENT_COLUMNS: Columns = (
    ("facture", lambda p: p.invoice.number),
    ("date", lambda p: _day(p.paid_on)),
    ("mode", lambda p: p.get_mode_display()),
    ("montant", lambda p: _amount(p.amount)),
    ("part du client", lambda p: _amount(p.client_share)),
    ("crédit d'impôt (avance immédiate)", lambda p: _amount(p.ai_credit_share)),
    ("référence", lambda p: p.reference),
    ("repris le", lambda p: _day(p.reversal.reversed_on) if p.is_reversed else ""),
    ("motif de la reprise", lambda p: p.reversal.reason if p.is_reversed else ""),
)
REFUND_COLUMNS: Columns = (
    ("facture", lambda r: r.credit_note.invoice.number),
    ("avoir", lambda r: r.credit_note.number),
    ("date", lambda r: _day(r.refunded_on)),
    ("mode", lambda r: r.get_mode_display()),
    ("montant", lambda r: _amount(r.amount)),
    ("référence", lambda r: r.reference),
)
PAYOUT_COLUMNS: Columns = (
    ("facture", lambda p: p.invoice.number),
    ("prestataire", lambda p: p.provider.display_name),
    ("montant", lambda p: _amount(p.amount)),
    ("statut", lambda p: p.get_status_display()),
    ("encaissé par la coopérative le", lambda p: _local(p.cooperative_paid_at)),
    ("à verser avant le", lambda p: _local(p.due_at)),
    ("versé le", lambda p: _local(p.paid_at)),
    ("repris après versement le", lambda p: _local(p.reversed_at)),
)
AUDIT_COLUMNS: Columns = (
    ("date", lambda e: _local(e.created_at)),
    ("objet", lambda e: e.object_repr),
    ("action", lambda e: e.action),
    # The actor's foreign key points at AUTH_USER_MODEL, clients.User.
    ("par", lambda e: cast(User, e.actor).email if e.actor else "système"),
    ("note", lambda e: e.note),
)


def _trail_pdf(pack: EvidencePack, evidence: Evidence) -> bytes:
    # A client, or else an invoice (constraint evidence_pack_one_subject).
    client = pack.client or cast(Invoice, pack.invoice).client
    context = {
        "pack": pack,
        "client": client,
        "cooperative": client.cooperative,
        "evidence": evidence,
        "generated_at": timezone.now(),
    }
    return render_pdf("pdf/evidence_trail.html", context)


def _readme(pack: EvidencePack, names: list[str]) -> bytes:
    lines = [
        f"{pack} — préparé le {_local(timezone.now())} (heure de Paris)",
        "",
        "Contenu :",
        *[f"- {name}" for name in names],
        "",
        "Fichiers CSV : séparateur point-virgule, montants en euros avec une virgule.",
    ]
    return ("\n".join(lines) + "\n").encode()


def _files(pack: EvidencePack, evidence: Evidence) -> list[tuple[str, Callable[[], bytes]]]:
    """Every file of the ZIP, with what produces it: one step of progress each."""
    files: list[tuple[str, Callable[[], bytes]]] = []
    for invoice in evidence.invoices:
        context = invoice_context(invoice)
        files.append((f"factures/facture-{invoice.number}.pdf", _pdf("pdf/invoice.html", context)))
    for note in evidence.credit_notes:
        context = credit_note_document_context(note)
        files.append((f"avoirs/avoir-{note.number}.pdf", _pdf("pdf/credit_note.html", context)))
    for quote in evidence.quotes:
        context = quote_document_context(quote)
        files.append((f"devis/devis-{quote.number}.pdf", _pdf("pdf/quote.html", context)))
    for attestation in evidence.attestations:
        files.append((f"attestations/{attestation.reference}.pdf", _stored(attestation)))
    files += [
        ("historique.pdf", lambda: _trail_pdf(pack, evidence)),
        ("demandes-de-paiement.csv", lambda: _table(REQUEST_COLUMNS, evidence.events)),
        (
            "validations-et-contestations.csv",
            lambda: _table(ANSWER_COLUMNS, evidence.client_answers),
        ),
        ("paiements.csv", lambda: _table(PAYMENT_COLUMNS, evidence.payments)),
        ("remboursements.csv", lambda: _table(REFUND_COLUMNS, evidence.refunds)),
        ("versements-prestataires.csv", lambda: _table(PAYOUT_COLUMNS, evidence.payouts)),
        ("journal-audit.csv", lambda: _table(AUDIT_COLUMNS, evidence.audit_entries)),
    ]
    return files


def _pdf(template: str, context: dict) -> Callable[[], bytes]:
    return lambda: render_pdf(template, context)


def _stored(attestation: Attestation) -> Callable[[], bytes]:
    def read() -> bytes:
        with attestation.file.open("rb") as stored:
            return stored.read()

    return read


# --- building ----------------------------------------------------------------------------------


def evidence_pack_build(*, pack_id: int) -> EvidencePack | None:
    """Build a pending pack's ZIP, one file after the other, recording progress as it goes.

    Returns the pack, done or failed; None when it was not pending (already taken by another
    run of the task: a redelivered message builds nothing twice).
    """
    claimed = EvidencePack.objects.filter(pk=pack_id, status=PackStatus.PENDING).update(
        status=PackStatus.RUNNING
    )
    if not claimed:
        return None
    pack = EvidencePack.objects.select_related("client", "invoice__client").get(pk=pack_id)
    try:
        archive = _build(pack)
    except Exception as exc:
        logger.exception("Evidence pack %s failed", pack.pk)
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=PackStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        pack.refresh_from_db()
        return pack
    pack.file.save(pack.filename, ContentFile(archive), save=False)
    pack.status = PackStatus.DONE
    pack.finished_at = timezone.now()
    pack.save(update_fields=["file", "status", "finished_at"])
    audit(actor=None, action="evidence_pack.built", obj=pack, note=f"{len(archive)} octets")
    logger.info("Evidence pack %s built (%s bytes)", pack.pk, len(archive))
    return pack


def _build(pack: EvidencePack) -> bytes:
    evidence = gather(pack)
    files = _files(pack, evidence)
    names = [name for name, _ in files]
    EvidencePack.objects.filter(pk=pack.pk).update(steps_total=len(files) + 1, steps_done=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, produce in files:
            archive.writestr(name, produce())
            # Committed at once (no transaction around the build): the admin shows it.
            EvidencePack.objects.filter(pk=pack.pk).update(steps_done=F("steps_done") + 1)
        archive.writestr("LISEZMOI.txt", _readme(pack, names))
    EvidencePack.objects.filter(pk=pack.pk).update(steps_done=F("steps_total"))
    return buffer.getvalue()
