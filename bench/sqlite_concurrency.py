"""Concurrency on the embedded SQLite database of the demo: parallel writers, no lock error.

    .venv/bin/python bench/sqlite_concurrency.py [--clients 12] [--workers 2]

Runs on the settings scripts/demo uses (config.settings.demo, no DATABASE_URL nor REDIS_URL:
an SQLite file under a throwaway SAP_VAR_DIR, migrated here), then with fork pools:
- issues: one draft per client issued by --issuers processes at once, each draft twice (a
  double click): every draft issued once, gap-free numbers, no error;
- batch: last year's attestation batch over the same clients on --workers processes, each
  calling the service a Celery worker calls (batch_process_client): every client done.
The last line is `sqlite issues=<n> numbers=<distinct> errors=<e> batch=<done>/<total>
failed=<f> status=<s>`; errors lists each failure above it.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import shutil
import sys
import tempfile
import traceback
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="sap-bench-sqlite-")
for folder in ("celery/queue", "celery/processed", "celery/control", "mail"):  # as the demo
    Path(VAR_DIR, folder).mkdir(parents=True)
os.environ.update(
    SAP_VAR_DIR=VAR_DIR,
    DJANGO_SETTINGS_MODULE="config.settings.demo",
    # E-mails and tasks queued on commit go to files, as in the demo; nobody consumes them.
    DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
)
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=12, help="drafts and attestations")
    parser.add_argument("--issuers", type=int, default=4, help="processes issuing at once")
    parser.add_argument("--workers", type=int, default=2, help="processes of the batch")
    return parser.parse_args()


def make_people(count: int):
    from tests.factories import ClientFactory, ProviderFactory

    provider = ProviderFactory()
    clients = [
        ClientFactory(cooperative=provider.cooperative, providers=[provider]) for _ in range(count)
    ]
    return provider, clients


def draft(provider, client, start: dt.date, end: dt.date):
    from invoices import services
    from invoices.services import LineData
    from tests.factories import nature

    line = LineData(
        nature=nature("entretien-maison"),
        service_date=start,
        quantity=Decimal("2"),
        unit_price_ttc=Decimal("25"),
        vat_rate=Decimal("10"),
    )
    return services.invoice_create_draft(
        provider=provider, client=client, period_start=start, period_end=end, lines=[line]
    )


def last_year_paid(provider, clients) -> int:
    """One invoice per client issued and paid in December of last year; return the year."""
    from invoices import services
    from invoices.models import PaymentMode

    year = timezone.localdate().year - 1
    day = dt.date(year, 12, 10)
    for client in clients:
        invoice = services.invoice_issue(
            invoice=draft(provider, client, day, day), by=provider.user, on=day
        )
        services.payment_record(
            invoice=invoice,
            amount=invoice.total_ttc,
            paid_on=day,
            mode=PaymentMode.TRANSFER,
            by=provider.user,
        )
    return year


def _issue(args: tuple[int, int]) -> str:
    """Issue one draft as a provider's click does; return "" or the error."""
    from clients.models import User
    from invoices.models import Invoice
    from urssaf.payments.services import invoice_issue_and_submit

    invoice_id, user_id = args
    try:
        invoice_issue_and_submit(
            invoice=Invoice.objects.get(pk=invoice_id), by=User.objects.get(pk=user_id)
        )
    except Exception as exc:  # a refusal of the second click is expected, a lock error is not
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            return ""
        return f"issue {invoice_id}: {traceback.format_exc()}"
    return ""


def _attest(args: tuple[int, int]) -> str:
    from invoices.attestations import batch_process_client
    from invoices.models import AttestationBatchItem

    try:
        batch_process_client(batch_id=args[0], client_id=args[1])
    except Exception:
        return f"attestation {args[1]}: {traceback.format_exc()}"
    item = AttestationBatchItem.objects.get(batch_id=args[0], client_id=args[1])
    return f"attestation {args[1]}: {item.reason}" if item.reason else ""


def run_pool(function, work: list, processes: int) -> list[str]:
    # Close before forking: a connection shared by parent and children would corrupt both.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return [error for error in pool.imap_unordered(function, work) if error]


def main() -> None:
    args = parse_args()
    try:
        report(args)
    finally:
        connections.close_all()
        shutil.rmtree(VAR_DIR, ignore_errors=True)


def report(args: argparse.Namespace) -> None:
    from invoices.attestations import batch_create
    from invoices.models import AttestationBatch, Invoice

    database = settings.DATABASES["default"]
    print(f"database {database['ENGINE']} {database['NAME']} options {database.get('OPTIONS')}")
    call_command("migrate", verbosity=0)
    provider, clients = make_people(args.clients)
    year = last_year_paid(provider, clients)

    today = timezone.localdate()
    drafts = [draft(provider, client, today.replace(day=1), today) for client in clients]
    clicks = [(d.pk, provider.user_id) for d in drafts for _ in range(2)]
    errors = run_pool(_issue, clicks, args.issuers)
    issued = Invoice.objects.filter(pk__in=[d.pk for d in drafts]).exclude(number="")
    numbers = set(issued.values_list("number", flat=True))
    print(f"issues: {len(clicks)} clicks on {len(drafts)} drafts by {args.issuers} processes")

    batch = batch_create(year=year, by=None)
    work = [(batch.pk, client_id) for client_id in batch.items.values_list("client_id", flat=True)]
    errors += run_pool(_attest, work, args.workers)
    batch = AttestationBatch.objects.get(pk=batch.pk)
    for error in errors:
        print(error)
    print(
        f"sqlite issues={issued.count()} numbers={len(numbers)} errors={len(errors)} "
        f"batch={batch.done}/{batch.total} failed={batch.failed} status={batch.status}"
    )


if __name__ == "__main__":
    main()
