"""Benchmark of the busiest pages with a large cooperative behind them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sap_bench .venv/bin/python bench/pages.py
    ... bench/pages.py --invoices 2000 --clients 200 --requests 20      # a quick run

Builds a throwaway PostgreSQL database (--invoices invoices, default 100 000, for --clients
clients, default 10 000), serves the portal with gunicorn (2 workers) and, for each page,
prints the SQL queries of one request (counted in-process) and the p50/p95 latency over
--requests sequential HTTP requests, beside the same figures for the trivial /sante/ view.
On a shared machine latency follows the neighbours' load, so each page also gets figures that
follow it less: cpu_ms, the median CPU time of one request served in-process (Django's test
client, no HTTP), and db_ms, PostgreSQL's own execution time of its queries (EXPLAIN ANALYZE).
The last line is `pages rows=<n> max_queries=<q> worst_p95_ratio=<r>`.
"""

import argparse
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client as DjangoClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import bulkdata  # noqa: E402
from clients.models import Role, User  # noqa: E402

PAGES = [
    ("provider_dashboard", "provider", "provider:dashboard"),
    ("provider_invoices", "provider", "provider:invoice_list"),
    ("client_portal", "client", "portal:invoice_list"),
    ("admin_triage", "staff", "admin:urssaf_airegistration_changelist"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database for EXPLAIN sessions"
    )
    return parser.parse_args()


def _admin_connection():
    db = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    )


def create_database() -> str:
    name = f"bench_pages_{os.getpid()}"
    admin = _admin_connection()
    admin.autocommit = True  # CREATE DATABASE cannot run in a transaction
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    admin.close()
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    call_command("migrate", verbosity=0)
    return name


def drop_database(name: str) -> None:
    connections.close_all()
    admin = _admin_connection()
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def build(args: argparse.Namespace) -> dict[str, User]:
    started = time.perf_counter()
    providers = bulkdata.providers(args.providers)
    people = bulkdata.clients(args.clients, providers)
    bulkdata.invoices(args.invoices, people, providers)
    bulkdata.failed_registrations(people[: max(1, args.clients // 100)], providers[0].user)
    staff = User.objects.create(
        email="bench-staff@example.org", role=Role.STAFF, is_staff=True, is_superuser=True
    )
    # A production database has planner statistics and a visibility map (autovacuum); a fresh
    # bulk load has neither and would be measured with seq scans and heap visits (COUNT(*) of
    # a provider's invoices) no real cooperative would see.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"data: {args.invoices} invoices, {args.clients} clients, built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return {"provider": providers[0].user, "client": people[0].user, "staff": staff}


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def count_queries(user: User, url: str) -> int:
    client = DjangoClient(HTTP_HOST="localhost")
    client.force_login(user)
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def cost(user: User | None, url: str, count: int) -> tuple[float, float]:
    """Median CPU seconds of serving `url` in-process, and PostgreSQL's execution seconds."""
    client = DjangoClient(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    client.get(url)  # warm-up
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(url).status_code == 200, url
    cpu = []
    for _ in range(count):
        started = time.process_time()
        client.get(url)
        cpu.append(time.process_time() - started)
    db = 0.0
    with connection.cursor() as cursor:
        for sql, params in statements:
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                db += cursor.fetchone()[0][0]["Execution Time"] / 1000
    return statistics.median(cpu), db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{database}",
    }
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "config/gunicorn.py",
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/sante/", timeout=5).raise_for_status()
            return server, url
        except requests.RequestException:  # workers still importing Django
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def latencies(base: str, path: str, cookie: str | None, count: int) -> tuple[float, float]:
    http = requests.Session()
    if cookie:
        http.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
    for _ in range(3):  # warm-up: each worker opens its connection, compiles templates
        http.get(base + path, timeout=30).raise_for_status()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = http.get(base + path, timeout=30, allow_redirects=False)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]


def measure(args: argparse.Namespace, database: str, users: dict[str, User]) -> None:
    server, base = start_server(database)
    load = os.getloadavg()[0]
    print(f"machine: load average {load:.1f} on {os.cpu_count()} cores (latency follows it)")
    try:
        trivial_p50, trivial_p95 = latencies(base, reverse("health"), None, args.requests)
        print(
            f"page=trivial queries=0 p50_ms={trivial_p50 * 1000:.1f} "
            f"p95_ms={trivial_p95 * 1000:.1f}"
        )
        trivial_cpu, _ = cost(None, reverse("health"), args.requests)
        print(f"page=trivial cpu_ms={trivial_cpu * 1000:.2f} db_ms=0")
        worst, max_queries = 0.0, 0
        for name, role, url_name in PAGES:
            url = reverse(url_name)
            queries = count_queries(users[role], url)
            p50, p95 = latencies(base, url, session_cookie(users[role]), args.requests)
            ratio = p95 / trivial_p95
            worst, max_queries = max(worst, ratio), max(max_queries, queries)
            cpu, db = cost(users[role], url, args.requests)
            print(
                f"page={name} queries={queries} p50_ms={p50 * 1000:.1f} "
                f"p95_ms={p95 * 1000:.1f} p95_ratio={ratio:.1f} cpu_ms={cpu * 1000:.2f} "
                f"db_ms={db * 1000:.2f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"pages rows={args.invoices} max_queries={max_queries} worst_p95_ratio={worst:.1f}")


def main() -> None:
    args = parse_args()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per forced login otherwise
    database = create_database()
    try:
        users = build(args)
        measure(args, database, users)
    finally:
        if args.keep_database:
            print(f"database kept: {database}")
        else:
            drop_database(database)


if __name__ == "__main__":
    main()
