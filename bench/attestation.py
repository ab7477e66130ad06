"""Benchmark of the attestations fiscales: render time, SQL queries, and the yearly batch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sap_h4 .venv/bin/python bench/attestation.py
    ... bench/attestation.py --clients 50 --runs 5      # a quick run

Runs on config.settings.test, in a throwaway PostgreSQL database (created, migrated, dropped)
and a throwaway media folder. Prints:
- the median render of one attestation covering 12 months x 3 natures (render_attestation_pdf:
  template, then WeasyPrint), beside the median of pure WeasyPrint laying out **the same HTML**,
  rendered beforehand, with the same stylesheets parsed once and one FontConfiguration (what
  the document costs WeasyPrint alone); ratio = ours / pure, goal <= 1.15. It may fall below 1:
  our render also holds the garbage collector during the layout (invoices/pdf.py). For scale it
  also prints WeasyPrint parsing the stylesheets and loading the fonts on every call;
- the SQL queries of producing one attestation in a batch, for clients with 12 and 36 payments
  (the same number: figures are computed from two prefetched queries);
- the wall time of the batch for --clients clients with --workers processes, each calling the
  very service a Celery worker calls (batch_process_client), on a fork pool: no broker needed;
  per_s = attestations per second, goal >= 8 on 2 processes, each started as a Celery worker
  process is (config/celery_app.py freezes what it holds at start). The machine may be shared: the
  CPU seconds the workers spent per attestation are printed too (less noisy than wall time).
The last line is
`attestation render_s=<median> same_html_s=<median> ratio=<r> per_s=<n> queries=<q>`.
"""

import argparse
import datetime as dt
import io
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="sap-bench-attestation-")
os.environ["SAP_VAR_DIR"] = VAR_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pypdf import PdfReader  # noqa: E402

YEAR = 2025
# (nature slug, hours per visit, price per hour): three natures every month.
MONTHLY_WORK = [
    ("entretien-maison", "3", "28"),
    ("jardinage", "2", "35"),
    ("petit-bricolage", "1.5", "40"),
]
VISIT_DAYS = (6, 20)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="clients in the batch")
    parser.add_argument("--workers", type=int, default=2, help="processes running the batch")
    parser.add_argument("--runs", type=int, default=15, help="renders timed for each median")
    return parser.parse_args()


def create_database() -> str:
    name = f"bench_attestation_{os.getpid()}"
    settings.DATABASES["default"]["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return name


def destroy_database(original_name: str) -> None:
    connections.close_all()
    connection.creation.destroy_test_db(original_name, verbosity=0)


def make_people(count: int):
    from clients.models import Client, Cooperative, Provider, Role, User
    from invoices.models import ServiceNature

    cooperative = Cooperative.objects.create(
        legal_name="Coopérative Services Solidaires",
        address_line="12 rue de la République",
        postal_code="69002",
        city="Lyon",
        siren="732829320",
        sap_number="SAP732829320",
        sap_declaration_date=dt.date(2019, 3, 1),
        email="contact@cooperative-sap.fr",
        phone="0472000000",
        signatory_name="Claire Fontaine",
        signatory_title="Gérante",
    )
    providers = []
    for index, siret in enumerate(("80000000000018", "80000000000026", "80000000000034")):
        user = User.objects.create_user(f"intervenant{index}@example.org", role=Role.PROVIDER)
        providers.append(
            Provider.objects.create(
                cooperative=cooperative,
                user=user,
                first_name="Camille",
                last_name=f"Intervenant{index}",
                siret=siret,
                worker_reference=f"INT-{index:03d}",
                payout_iban="FR7630006000011234567890189",
                payout_bic="AGRIFRPP882",
            )
        )
    clients = Client.objects.bulk_create(
        Client(
            cooperative=cooperative,
            civility="2",
            birth_name=f"Client{index:05d}",
            first_names="Jeanne",
            birth_date=dt.date(1960, 1, 1),
            birth_department="069",
            birth_commune_code="69123",
            email=f"client{index}@example.org",
            mobile_phone="0612345678",
            street_number="8",
            street_type="R",
            street_name="du Soleil",
            postal_code="69001",
            city="Lyon",
            city_insee_code="69381",
        )
        for index in range(count)
    )
    natures = {
        n.slug: n for n in ServiceNature.objects.filter(slug__in=[w[0] for w in MONTHLY_WORK])
    }
    return cooperative, providers, clients, natures


def build_year(cooperative, providers, clients, natures, *, payments_per_invoice=1) -> None:
    """Twelve monthly invoices per client, each with the three natures, paid in the month."""
    from invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMode

    invoices, lines_of = [], []
    sequence = Invoice.objects.filter(year=YEAR).count()
    for client in clients:
        for month in range(1, 13):
            sequence += 1
            lines = _month_lines(natures, month)
            total = sum((line.total_ttc for line in lines), Decimal("0.00"))
            ht = sum((line.total_ht for line in lines), Decimal("0.00"))
            invoices.append(
                Invoice(
                    cooperative=cooperative,
                    provider=providers[(client.pk + month) % len(providers)],
                    client=client,
                    status=InvoiceStatus.PAID,
                    number=f"{YEAR}-{sequence:05d}",
                    year=YEAR,
                    sequence=sequence,
                    issue_date=dt.date(YEAR, month, 21),
                    period_start=dt.date(YEAR, month, 1),
                    period_end=dt.date(YEAR, month, 20),
                    total_ht=ht,
                    total_tva=total - ht,
                    total_ttc=total,
                )
            )
            lines_of.append(lines)
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    all_lines, payments = [], []
    for invoice, lines in zip(invoices, lines_of, strict=True):
        for line in lines:
            line.invoice = invoice
            all_lines.append(line)
        payments += _payments(invoice, payments_per_invoice, PaymentMode, Payment)
    InvoiceLine.objects.bulk_create(all_lines, batch_size=5000)
    Payment.objects.bulk_create(payments, batch_size=5000)


def _month_lines(natures, month):
    from invoices.models import InvoiceLine

    lines = []
    for position, (slug, hours, price) in enumerate(MONTHLY_WORK):
        for day in VISIT_DAYS:
            line = InvoiceLine(
                nature=natures[slug],
                service_date=dt.date(YEAR, month, day),
                quantity=Decimal(hours),
                unit_price_ttc=Decimal(price),
                vat_rate=Decimal("10"),
                position=position,
            )
            line.compute_totals()
            lines.append(line)
    return lines


def _payments(invoice, count, PaymentMode, Payment):
    """Split the invoice into `count` payments; the second half of the year goes through AI."""
    share = (invoice.total_ttc / count).quantize(Decimal("0.01"))
    amounts = [share] * (count - 1) + [invoice.total_ttc - share * (count - 1)]
    month = invoice.issue_date.month
    payments = []
    for index, amount in enumerate(amounts):
        paid_on = dt.date(YEAR, month, 22 + index % 6)
        if month > 6:
            credit = (amount / 2).quantize(Decimal("0.01"))
            payments.append(
                Payment(
                    invoice=invoice,
                    paid_on=paid_on,
                    amount=amount,
                    mode=PaymentMode.IMMEDIATE_ADVANCE,
                    client_share=amount - credit,
                    ai_credit_share=credit,
                )
            )
        else:
            payments.append(
                Payment(invoice=invoice, paid_on=paid_on, amount=amount, mode=PaymentMode.TRANSFER)
            )
    return payments


def time_renders(client, runs: int) -> tuple[float, float, float, int]:
    """Medians of: our render, pure WeasyPrint on the same HTML, WeasyPrint parsing per call."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from invoices.attestations import compute_figures, render_attestation_pdf
    from invoices.attestations.generation import PDF_STYLESHEETS, attestation_html
    from invoices.pdf import STYLESHEET_BASE_URL, stylesheet_source, stylesheets_for

    figures = compute_figures(client, YEAR)
    assert len(figures.services) == 36, len(figures.services)  # 12 months x 3 natures
    document = {"figures": figures, "reference": "AF-BENCH", "issued_on": dt.date(YEAR + 1, 3, 2)}

    def attestation() -> bytes:
        return render_attestation_pdf(**document)

    html = attestation_html(**document)
    sources = [stylesheet_source(name) for name in stylesheets_for(PDF_STYLESHEETS)]
    base_url = str(settings.BASE_DIR)

    def stylesheets(font_config) -> list:
        return [
            CSS(string=s, base_url=STYLESHEET_BASE_URL, font_config=font_config) for s in sources
        ]

    fonts = FontConfiguration()
    parsed = stylesheets(fonts)

    def same_html() -> bytes:
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=parsed, font_config=fonts)

    def parsing_each_time() -> bytes:
        fonts = FontConfiguration()
        return HTML(string=html, base_url=base_url).write_pdf(
            stylesheets=stylesheets(fonts), font_config=fonts
        )

    pdf = attestation()
    assert _text(pdf) == _text(same_html())  # the baseline prints the very same document
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # Interleaved, so that a neighbour's load on the shared machine hits both alike.
    timings: dict = {attestation: [], same_html: [], parsing_each_time: []}
    for action in timings:
        action()  # warm-up: templates compiled, glyphs cached
    for _ in range(runs):
        for action, spent in timings.items():
            started = time.perf_counter()
            action()
            spent.append(time.perf_counter() - started)
    render_s, same_s, parsing_s = (statistics.median(spent) for spent in timings.values())
    return render_s, same_s, parsing_s, pages


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def count_queries(batch_id: int, client_id: int) -> int:
    from invoices.attestations import batch_process_client

    with CaptureQueriesContext(connection) as queries:
        batch_process_client(batch_id=batch_id, client_id=client_id)
    return len(queries)


def _process(args: tuple[int, int]) -> str:
    from invoices.attestations import batch_process_client

    return str(batch_process_client(batch_id=args[0], client_id=args[1]))


def run_batch(workers: int) -> tuple[float, float, object]:
    """Wall seconds of the batch, the workers' CPU seconds, and the finished batch."""
    from config.heap import freeze_startup_heap
    from invoices.attestations import batch_create
    from invoices.models import AttestationBatch

    batch = batch_create(year=YEAR, by=None)
    work = [(batch.pk, client_id) for client_id in batch.items.values_list("client_id", flat=True)]
    # Close before forking: a connection shared by parent and children would corrupt both.
    connections.close_all()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Each process starts as a Celery worker process does (config/celery_app.py, config/heap.py).
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=freeze_startup_heap)
    for _ in pool.imap_unordered(_process, work, chunksize=4):
        pass
    wall = time.perf_counter() - started
    pool.close()
    pool.join()  # the workers' CPU time reaches RUSAGE_CHILDREN once they are waited for
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, AttestationBatch.objects.get(pk=batch.pk)


def main() -> None:
    args = parse_args()
    original_name = settings.DATABASES["default"]["NAME"]
    database = create_database()
    try:
        report(args, database)
    finally:
        destroy_database(original_name)
        shutil.rmtree(VAR_DIR, ignore_errors=True)


def report(args: argparse.Namespace, database: str) -> None:
    from clients.models import Client
    from invoices.attestations import batch_create

    print(f"database {database} (throwaway), media {VAR_DIR}")
    started = time.perf_counter()
    cooperative, providers, clients, natures = make_people(args.clients + 2)
    # The last two clients stay out of the batch; they measure the queries at the end.
    light, heavy = clients[-2:]
    build_year(cooperative, providers, clients[:-2], natures)
    elapsed = time.perf_counter() - started
    print(f"data: {args.clients} clients x 12 invoices x 3 natures, built in {elapsed:.1f} s")

    first = Client.objects.select_related("cooperative").get(pk=clients[0].pk)
    render_s, same_s, parsing_s, pages = time_renders(first, args.runs)
    print(f"render: attestation 12 months x 3 natures ({pages} pages), median {render_s:.4f} s")
    print(f"render: pure WeasyPrint, same HTML and parsed stylesheets, median {same_s:.4f} s")
    print(
        f"render: pure WeasyPrint parsing stylesheets and fonts each time, median {parsing_s:.4f} s"
    )

    wall, cpu, batch = run_batch(args.workers)
    rate = batch.total / wall if wall else 0.0
    print(
        f"batch: {batch.total} clients with {args.workers} worker processes (a fork pool calling "
        f"batch_process_client, the service the Celery task calls): {wall:.1f} s wall, "
        f"{rate:.1f} attestations/s, done={batch.done} failed={batch.failed} "
        f"status={batch.status}; for 1000 clients: {1000 / rate / 60:.1f} min (goal <= 10 min)"
    )
    cpu_each = cpu / batch.total
    print(
        f"batch: {cpu_each:.3f} CPU s per attestation in the workers (PostgreSQL apart), "
        f"i.e. {args.workers / cpu_each:.1f}/s on {args.workers} idle cores"
    )

    build_year(cooperative, providers, [light], natures, payments_per_invoice=1)
    build_year(cooperative, providers, [heavy], natures, payments_per_invoice=3)
    measure = batch_create(year=YEAR, by=None)
    light_queries = count_queries(measure.pk, light.pk)
    heavy_queries = count_queries(measure.pk, heavy.pk)
    print(
        f"queries per attestation in a batch: {light_queries} with 12 payments, "
        f"{heavy_queries} with 36 payments"
    )
    print(
        f"attestation render_s={render_s:.4f} same_html_s={same_s:.4f} "
        f"ratio={render_s / same_s:.2f} per_s={rate:.1f} queries={heavy_queries}"
    )


if __name__ == "__main__":
    main()
