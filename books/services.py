"""Export the books for a period: once, recorded, and downloadable again exactly as sent."""

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.timezone import localdate

from audit.services import audit
from clients.models import Cooperative, User
from invoices.pdf import render_pdf

from . import ereporting
from .accounts import Account, Chart
from .entries import JOURNALS, ZERO, Entry, Ledger
from .fec import write_csv, write_fec
from .models import AccountingExport, AccountMapping, EReport

logger = logging.getLogger(__name__)


def chart() -> Chart:
    return Chart({m.key: Account(m.number, m.label) for m in AccountMapping.objects.all()})


def ledger_entries(start: dt.date, end: dt.date, client_accounts: bool = False) -> list[Entry]:
    return Ledger(chart(), start, end, client_accounts).entries()


def totals(entries: list[Entry]) -> dict:
    """Per journal (entries, debit, credit) and per account (debit, credit), as strings."""
    journals: dict[str, dict] = {
        code: {"label": label, "entries": 0, "debit": ZERO, "credit": ZERO}
        for code, label in JOURNALS.items()
    }
    accounts: dict[tuple[str, str], dict] = defaultdict(lambda: {"debit": ZERO, "credit": ZERO})
    for entry in entries:
        journal = journals[entry.journal]
        journal["entries"] += 1
        journal["debit"] += entry.debit
        journal["credit"] += entry.credit
        for line in entry.lines:
            account = accounts[(line.account.number, line.account.label)]
            account["debit"] += line.debit
            account["credit"] += line.credit

    def text(values: dict) -> dict:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}

    return {
        "journals": {code: text(values) for code, values in journals.items()},
        "accounts": [
            {
                "number": number,
                "label": label,
                "balance": str(values["debit"] - values["credit"]),
                **text(values),
            }
            for (number, label), values in sorted(accounts.items())
        ],
    }


def overlapping(start: dt.date, end: dt.date):
    """Exports of a period that overlaps [start, end], newest first."""
    return AccountingExport.objects.filter(period_start__lte=end, period_end__gte=start)


def books_export(
    *, start: dt.date, end: dt.date, by: User, client_accounts: bool = False, reason: str = ""
) -> AccountingExport:
    """Build, store and record the FEC, CSV and PDF summary of [start, end].

    A period that overlaps an earlier export is exported again only with a reason (the new
    export says which one it replaces): a double click or a second staff member gets a clear
    refusal instead of a second set of files for the accountant.
    """
    if end < start:
        raise ValidationError("La fin de la période précède son début.")
    with transaction.atomic():
        # One export at a time: a second (double click) waits here, then sees the first.
        cooperative = Cooperative.objects.select_for_update().get()
        earlier = overlapping(start, end).first()
        if earlier is not None and not reason.strip():
            raise ValidationError(
                f"{earlier} (le {earlier.created_at:%d/%m/%Y}) couvre déjà une partie de cette "
                "période. Téléchargez-le à nouveau, ou indiquez pourquoi il faut un nouvel export."
            )
        entries = ledger_entries(start, end, client_accounts)
        fec = write_fec(entries)
        figures = totals(entries)
        export = AccountingExport(
            period_start=start,
            period_end=end,
            client_accounts=client_accounts,
            rectifies=earlier,
            reason=reason.strip(),
            fec_sha256=hashlib.sha256(fec).hexdigest(),
            entries=len(entries),
            totals=figures,
            created_by=by,
        )
        stem = f"{cooperative.siren}FEC{end:%Y%m%d}"
        export.fec.save(f"{stem}.txt", ContentFile(fec), save=False)
        export.csv.save(f"{stem}.csv", ContentFile(write_csv(entries)), save=False)
        summary = render_pdf(
            "books/summary.html",
            {"export": export, "cooperative": cooperative, "figures": figures},
        )
        export.summary.save(f"{stem}-recapitulatif.pdf", ContentFile(summary), save=False)
        export.full_clean()
        export.save()
        audit(actor=by, action="books.exported", obj=export, note=f"{len(entries)} écritures")
    logger.info("Books exported for %s..%s: %d entries", start, end, len(entries))
    return export


def books_export_unchanged(export: AccountingExport) -> bool:
    """Whether the portal's records still give exactly the exported FEC (replay check)."""
    entries = ledger_entries(export.period_start, export.period_end, export.client_accounts)
    return hashlib.sha256(write_fec(entries)).hexdigest() == export.fec_sha256


def _data_digest(siren: str, start: dt.date, end: dt.date) -> str:
    """What the period's data are, independently of the report's own reference."""
    sales, paid = ereporting.files(siren=siren, start=start, end=end, reference="")
    return hashlib.sha256(sales + b"\0" + paid).hexdigest()


def ereport_make(*, start: dt.date, end: dt.date, by: User) -> EReport:
    """Produce the e-reporting files of a period; a period already reported gets a rectifying
    report only when its data changed since (then it carries the whole corrected period)."""
    with transaction.atomic():
        cooperative = Cooperative.objects.select_for_update().get()
        if not cooperative.is_vat_registered:
            raise ValidationError(
                "La coopérative n'est pas assujettie à la TVA : "
                "il n'y a pas d'e-reporting à produire."
            )
        if (start, end) not in ereporting.periods(
            cooperative.vat_return_frequency, localdate(), 60
        ):
            raise ValidationError(
                "Choisissez une période de déclaration de TVA terminée "
                f"({cooperative.get_vat_return_frequency_display().lower()})."
            )
        previous = EReport.objects.filter(period_start=start).order_by("-version").first()
        digest = _data_digest(cooperative.siren, start, end)
        if previous is not None and previous.sha256 == digest:
            raise ValidationError(
                f"Rien n'a changé depuis le rapport {previous.reference} : "
                "aucun rectificatif à produire."
            )
        version = previous.version + 1 if previous else 1
        reference = f"{cooperative.siren}-{start:%Y%m%d}-{version}"
        sales, paid = ereporting.files(
            siren=cooperative.siren,
            start=start,
            end=end,
            reference=reference,
            replaces=previous.reference if previous else "",
        )
        report = EReport(
            period_start=start,
            period_end=end,
            version=version,
            reference=reference,
            rectifies=previous,
            sha256=digest,
            created_by=by,
        )
        report.transactions.save(f"{reference}-operations.csv", ContentFile(sales), save=False)
        report.payments.save(f"{reference}-encaissements.csv", ContentFile(paid), save=False)
        report.full_clean()
        report.save()
        audit(actor=by, action="books.ereport", obj=report, note=reference)
    logger.info("E-reporting %s produced", reference)
    return report
