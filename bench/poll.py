"""Benchmark of the payment-request polling cycle against a sandbox it starts itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sap_bench .venv/bin/python bench/poll.py
    ... bench/poll.py --requests 10000

Runs on config.settings.test in a throwaway PostgreSQL database (created, migrated, dropped),
with a file cache of its own (the polling lock, the token) and a URSSAF sandbox started as a
subprocess on a free port with its own SQLite store. It seeds N open requests on both sides:
in the sandbox store directly (accepted an hour ago, so URSSAF reports them "20") and in
PostgreSQL (last seen "10", due now), then prints:
- one cycle where every request changes (10 → 20): URSSAF calls, queries per call, wall time;
- a second cycle where nothing changes: its queries per call;
- the time of the same number of bare HTTP status searches to the same sandbox (a
  requests.Session, the same ten ids per call), and the ratio of the cycle to it.
The last line is
`poll requests=<N> calls=<c> floor=<ceil(N/10)> queries_per_call=<q> ratio_vs_bare_http=<r>`.
"""

import argparse
import datetime as dt
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="sap-bench-poll-")
os.environ["SAP_VAR_DIR"] = VAR_DIR
# An empty REDIS_URL selects the file cache under VAR_DIR: the bench shares no lock or token
# with a test suite or a worker using Redis.
os.environ["REDIS_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

SANDBOX_ID = SANDBOX_SECRET = "sandbox"  # noqa: S105 (the sandbox's documented default)
CHUNK = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="open payment requests")
    return parser.parse_args()


# --- the throwaway database and the sandbox ---------------------------------------------------


def create_database() -> str:
    settings.DATABASES["default"]["TEST"]["NAME"] = f"bench_poll_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return settings.DATABASES["default"]["NAME"]


def destroy_database(original_name: str) -> None:
    connections.close_all()
    connection.creation.destroy_test_db(original_name, verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "urssaf_sandbox",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/__sandbox/clock", timeout=1).raise_for_status()
            return process, url
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the sandbox did not start")


def point_client_at(url: str) -> None:
    settings.URSSAF_BASE_URL = f"{url}/atp/v1/tiersPrestations"
    settings.URSSAF_TOKEN_URL = f"{url}/api/oauth/v1/token"
    settings.URSSAF_CLIENT_ID = SANDBOX_ID
    settings.URSSAF_CLIENT_SECRET = SANDBOX_SECRET


# --- seeding both sides -------------------------------------------------------------------------


def seed_sandbox(data_dir: Path, ids: list[str], numbers: list[str], sent: dt.datetime) -> None:
    """Write the accepted requests straight into the sandbox's store (before it starts)."""
    from sandbox import clock
    from sandbox.store import Store

    store = Store(data_dir)
    echo = json.dumps({"mntFactureTTC": 75.0, "mntFactureHT": 68.18, "idClient": "bench"})
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO demandes (id, client_id, id_client, num_facture, invoice_date, data, "
            "created_at) VALUES (?, ?, 'bench', ?, ?, ?, ?)",
            [
                (id_, SANDBOX_ID, number, sent.date().isoformat(), echo, clock.to_text(sent))
                for id_, number in zip(ids, numbers, strict=True)
            ],
        )
    store.close()


def seed_portal(count: int, sent: dt.datetime) -> tuple[list[str], list[str]]:
    """Create `count` issued invoices whose requests were last seen "10" and are due now."""
    from clients.models import Client, Cooperative, Provider, Role, User
    from invoices.models import Invoice, InvoiceStatus
    from urssaf.models import PaymentRequest, RequestState

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
    )
    provider = Provider.objects.create(
        cooperative=cooperative,
        user=User.objects.create_user("p@example.org", role=Role.PROVIDER),
        first_name="Camille",
        last_name="Intervenant",
        siret="80000000000018",
        worker_reference="INT-000",
        payout_iban="FR7630006000011234567890189",
        payout_bic="AGRIFRPP882",
    )
    client = Client.objects.create(
        cooperative=cooperative,
        civility="2",
        birth_name="Client",
        first_names="Jeanne",
        birth_date=dt.date(1960, 1, 1),
        birth_department="069",
        birth_commune_code="69123",
        email="client@example.org",
        mobile_phone="0612345678",
        street_number="8",
        street_type="R",
        street_name="du Soleil",
        postal_code="69001",
        city="Lyon",
        city_insee_code="69381",
    )
    numbers = [f"2026-{index:06d}" for index in range(1, count + 1)]
    invoices = Invoice.objects.bulk_create(
        (
            Invoice(
                cooperative=cooperative,
                provider=provider,
                client=client,
                status=InvoiceStatus.ISSUED,
                number=number,
                year=2026,
                sequence=index,
                issue_date=sent.date(),
                issued_at=sent,
                period_start=dt.date(2026, 3, 2),
                period_end=dt.date(2026, 3, 16),
                total_ht=Decimal("68.18"),
                total_tva=Decimal("6.82"),
                total_ttc=Decimal("75.00"),
            )
            for index, number in enumerate(numbers, start=1)
        ),
        batch_size=2000,
    )
    ids = [str(uuid.uuid4()) for _ in invoices]
    PaymentRequest.objects.bulk_create(
        (
            PaymentRequest(
                invoice=invoice,
                invoice_number=invoice.number,
                state=RequestState.SUBMITTED,
                urssaf_id=id_,
                status_code="10",
                submitted_at=sent,
                status_changed_at=sent,
                next_poll_at=timezone.now() - dt.timedelta(minutes=1),
            )
            for invoice, id_ in zip(invoices, ids, strict=True)
        ),
        batch_size=2000,
    )
    return ids, numbers


# --- measuring ---------------------------------------------------------------------------------


def run_cycle():
    from django.contrib.contenttypes.models import ContentType

    from urssaf.payments.services import payment_requests_poll

    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = payment_requests_poll()
        elapsed = time.perf_counter() - started
    return report, len(queries), elapsed


def bare_http(url: str, ids: list[str]) -> float:
    """Time the same status searches, ten ids per call, with nothing but a requests.Session."""
    session = requests.Session()
    token = session.post(
        f"{url}/api/oauth/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": SANDBOX_ID,
            "client_secret": SANDBOX_SECRET,
            "scope": "homeplus.tiersprestations",
        },
        timeout=10,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    search = f"{url}/atp/v1/tiersPrestations/demandePaiement/rechercher"
    started = time.perf_counter()
    for start in range(0, len(ids), CHUNK):
        response = session.post(
            search,
            json={"idDemandePaiements": ids[start : start + CHUNK]},
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    logging.disable(logging.INFO)  # one log line per URSSAF call would time the console
    original_name = create_database()
    data_dir = Path(VAR_DIR) / "sandbox"
    process = None
    try:
        sent = timezone.now() - dt.timedelta(hours=1)
        ids, numbers = seed_portal(args.requests, sent)
        seed_sandbox(data_dir, ids, numbers, sent)
        process, url = start_sandbox(data_dir)
        point_client_at(url)
        report(args.requests, ids, url)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        destroy_database(original_name)
        shutil.rmtree(VAR_DIR, ignore_errors=True)


def report(count: int, ids: list[str], url: str) -> None:
    from urssaf.api import get_access_token
    from urssaf.models import PaymentRequest

    get_access_token()  # the token is fetched once per hour, not per cycle
    changed, changed_queries, wall = run_cycle()
    PaymentRequest.objects.update(next_poll_at=timezone.now() - dt.timedelta(minutes=1))
    steady, steady_queries, steady_wall = run_cycle()
    bare = bare_http(url, ids)
    floor = math.ceil(count / CHUNK)
    per_call = changed_queries / changed.calls
    ratio = wall / bare
    print(f"requests polled: {changed.polled}, changed: {changed.changed}")
    print(
        f"cycle with every status changing: {changed.calls} calls, {changed_queries} queries "
        f"({per_call:.2f} per call), {wall:.2f} s"
    )
    print(
        f"cycle with nothing changing: {steady.calls} calls, {steady_queries} queries "
        f"({steady_queries / steady.calls:.2f} per call), {steady_wall:.2f} s"
    )
    print(f"bare HTTP, {floor} searches of 10 ids: {bare:.2f} s")
    print(
        f"poll requests={count} calls={changed.calls} floor={floor} "
        f"queries_per_call={per_call:.2f} ratio_vs_bare_http={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
