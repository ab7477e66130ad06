"""Fault soak: invoices of avance immédiate clients sent through a real Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sap_bench \
    REDIS_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/soak.py --invoices 50 --clients 10

Builds a throwaway PostgreSQL database (migrated, dropped at the end) and starts a URSSAF
sandbox subprocess (own data dir, tokens living 60 s on its clock). --clients clients are
registered and activated there with the faults off; then faults go on (--error-rate of the
API calls fail: 3/5 HTTP 503/429/500/502 with Retry-After, 1/5 timeouts, 1/5 dropped
connections, the sandbox carrying out the timed-out or dropped request anyway) and --invoices
invoices are issued through `invoice_issue_and_submit`, which enqueues the submissions on commit
to Redis (a queue, a cache key prefix of this run's own). A real `celery worker` subprocess
sends them; it is killed with SIGKILL (its whole process group) once mid-run and a new one
started.

The bench plays Celery beat: every tick it enqueues the two periodic tasks (the poll and the
resume of lost submissions) to the worker's queue. The portal's clock does not move with the
sandbox's, so the bench moves the portal's notion of time in the database, and only where it is
safe: it ends the backoff of pending requests (`retry_at`), ages the claims of the killed
worker while no worker runs (as if STALE_CLAIM had passed) and lets the polling lock it may
have held expire (as if its LOCK_TTL had passed), and makes due (`next_poll_at`) the
requests whose portal status is not yet the one the sandbox now shows.

The lifecycle is driven through the sandbox's control API: most requests validated, some
contested (40), some left silent (validated by the 48 h deadline), some with the debit refused
(60) then recovered (120) or cancelled unpaid (111); the sandbox clock advances 48 h three
times (debit J+2, transfer J+4). At the end: payment requests the sandbox holds per invoice
number (each must be exactly 1), requests stuck outside their expected state (0), the status
codes the portal recorded, and the send retries. The last line is
`soak invoices=<N> duplicates=<d> stuck=<s> statuses=<codes> retries=<r>`; the exit code is 1
when duplicates or stuck are not 0.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="sap-bench-soak-"))
RUN = f"soak-{os.getpid()}-{uuid.uuid4().hex[:6]}"
SANDBOX_ID = SANDBOX_SECRET = "sandbox"  # noqa: S105 (the sandbox's documented default)
TOKEN_LIFETIME = 60
READ_TIMEOUT = 2.0  # the sandbox's timeout fault sleeps a little longer
SETTINGS_MODULE = """\
import os

from config.settings.test import *  # noqa: F403
from config.settings.test import CACHES

# A real worker, not eager tasks; a queue and cache keys of this run's own on Redis.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["SOAK_RUN"]
CELERY_BEAT_SCHEDULE = {}
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": os.environ["SOAK_RUN"]}}
URSSAF_BASE_URL = os.environ["SOAK_URSSAF_URL"] + "/atp/v1/tiersPrestations"
URSSAF_TOKEN_URL = os.environ["SOAK_URSSAF_URL"] + "/api/oauth/v1/token"
URSSAF_CLIENT_ID = URSSAF_CLIENT_SECRET = "sandbox"
URSSAF_CONNECT_TIMEOUT = 2.0
URSSAF_READ_TIMEOUT = float(os.environ["SOAK_READ_TIMEOUT"])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SANDBOX_URL = f"http://127.0.0.1:{_free_port()}"
(VAR_DIR / "soak_settings.py").write_text(SETTINGS_MODULE)
sys.path.insert(0, str(VAR_DIR))
os.environ.update(
    SAP_VAR_DIR=str(VAR_DIR),
    SOAK_RUN=RUN,
    SOAK_URSSAF_URL=SANDBOX_URL,
    SOAK_READ_TIMEOUT=str(READ_TIMEOUT),
    DJANGO_SETTINGS_MODULE="soak_settings",
)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

import redis  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import bulkdata  # noqa: E402
from clients.models import AIStatus, Client, Provider  # noqa: E402
from invoices import services as invoice_services  # noqa: E402
from invoices.models import ServiceNature  # noqa: E402
from sandbox.remote import SandboxRemote  # noqa: E402
from urssaf import api as urssaf_api  # noqa: E402
from urssaf import tasks  # noqa: E402
from urssaf.backoff import STALE_CLAIM  # noqa: E402
from urssaf.models import PaymentRequest, PaymentRequestEvent, RequestState  # noqa: E402
from urssaf.payloads import BankAccount, BirthPlace, Particulier, PostalAddress  # noqa: E402
from urssaf.payments import services as urssaf_services  # noqa: E402
from urssaf.payments.services import polling  # noqa: E402

WAITING_STATES = (RequestState.PENDING, RequestState.CLAIMED)
TICK_SECONDS = 0.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--error-rate", type=float, default=0.2, help="share of faulty calls")
    parser.add_argument("--timeout-s", type=float, default=900, help="give up after this long")
    parser.add_argument("--seed", type=int, default=20260317)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    return parser.parse_args()


# --- the throwaway database, the sandbox, the worker -----------------------------------------


def create_database() -> str:
    settings.DATABASES["default"]["TEST"]["NAME"] = RUN.replace("-", "_")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return settings.DATABASES["default"]["NAME"]


def destroy_database(original_name: str) -> None:
    connections.close_all()
    connection.creation.destroy_test_db(original_name, verbosity=0)


def start_sandbox() -> tuple[subprocess.Popen, SandboxRemote]:
    port = SANDBOX_URL.rsplit(":", 1)[1]
    process = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
        [
            *(sys.executable, str(ROOT / "manage.py"), "urssaf_sandbox"),
            *("--port", port, "--data-dir", str(VAR_DIR / "sandbox")),
            *("--token-lifetime", str(TOKEN_LIFETIME)),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(VAR_DIR / "sandbox.log").open("w"),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
    )
    remote = SandboxRemote(SANDBOX_URL, timeout=30)
    for _ in range(400):
        try:
            remote.now()
            return process, remote
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the sandbox did not start")


class Worker:
    """A `celery worker` subprocess in its own process group, killed as a whole."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.started = 0

    def start(self) -> None:
        self.started += 1
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(VAR_DIR), str(ROOT)]),
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}",
        }
        log = (VAR_DIR / f"worker{self.started}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own celery, fixed arguments)
            [
                *(str(Path(sys.executable).parent / "celery"), "-A", "config", "worker"),
                *("-Q", RUN, "-c", str(self.concurrency), "-l", "warning"),
                *("-n", f"{RUN}-{self.started}@%h", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as an OOM killer or a power cut would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):  # then killed below
            self.process.wait(timeout=20)
        self.kill()


def forget_redis_keys() -> None:
    """Delete this run's queue, cache keys and unacknowledged messages from Redis."""
    server = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for key in server.scan_iter(match=f"*{RUN}*"):
        server.delete(key)
    for tag, raw in server.hgetall("unacked").items():
        try:
            delivery = json.loads(raw)[0]["properties"]["delivery_info"]
        except (ValueError, LookupError, TypeError):
            continue
        if delivery.get("routing_key") == RUN:
            server.hdel("unacked", tag)
            server.zrem("unacked_index", tag)


# --- people and invoices ----------------------------------------------------------------------


def particulier_of(client: Client) -> Particulier:
    return Particulier(
        civility=client.civility,
        birth_name=client.birth_name,
        first_names=client.first_names,
        birth_date=client.birth_date,
        birth_place=BirthPlace.from_insee(
            client.birth_country_code, client.birth_commune_code, client.birth_commune_label
        ),
        mobile_phone=client.mobile_phone,
        email=client.email,
        address=PostalAddress(
            commune_code=client.city_insee_code,
            commune_label=client.city.upper(),
            postal_code=client.postal_code,
            street_number=client.street_number,
            street_type=client.street_type,
            street_name=client.street_name,
        ),
        bank=BankAccount(
            iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder=client.full_name
        ),
    )


def activate_clients(count: int, remote: SandboxRemote) -> tuple[list[Client], list[Provider]]:
    """Create the clients; register and activate them at the sandbox 20 days ago."""
    providers = bulkdata.providers(max(1, count // 10), prefix=RUN)
    people = bulkdata.clients(count, providers, prefix=RUN)
    real_now = remote.now()
    activated = real_now - dt.timedelta(days=20)
    remote.set_now(activated)
    for index, client in enumerate(people):
        client.birth_name = f"Essai{_letters(index)}"  # names take no digits
        particulier = particulier_of(client)
        payload = particulier.to_payload()
        keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
        remote.add_taxpayer({key: payload[key] for key in keys})
        client.urssaf_id_client = urssaf_api.register_client(particulier)
        remote.activate(client.urssaf_id_client)
        client.ai_status = AIStatus.ACTIVE
        client.ai_activated_on = timezone.localdate(activated)
        client.ai_activated_at = activated
        client.save(
            update_fields=[
                "birth_name",
                "urssaf_id_client",
                "ai_status",
                "ai_activated_on",
                "ai_activated_at",
            ]
        )
    remote.set_now(real_now)
    return people, providers


def _letters(number: int) -> str:
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("a") + digit) + word
        if not number:
            return word


def issue_invoice(index: int, people: list[Client], providers: list[Provider]):
    """Issue one 75 € invoice through the service: its request is sent after the commit."""
    client = people[index % len(people)]
    provider = providers[(index % len(people)) % len(providers)]  # bulkdata's round robin
    today = timezone.localdate()
    start = max(today.replace(day=1), today - dt.timedelta(days=7))
    line = invoice_services.LineData(
        nature=ServiceNature.objects.get(slug="entretien-maison"),
        service_date=start,
        quantity=Decimal("3"),
        unit_price_ttc=Decimal("25"),
        vat_rate=Decimal("10"),
    )
    draft = invoice_services.invoice_create_draft(
        provider=provider, client=client, period_start=start, period_end=today, lines=[line]
    )
    return urssaf_services.invoice_issue_and_submit(invoice=draft, by=provider.user)


# --- the portal's time, moved by the bench --------------------------------------------------


def beat() -> None:
    """Play Celery beat on a fast schedule; skip the backoff waits of pending requests."""
    now = timezone.now()
    PaymentRequest.objects.filter(state=RequestState.PENDING, retry_at__gt=now).update(retry_at=now)
    tasks.resume_payment_requests.delay()
    tasks.poll_payment_requests.delay()


def age_dead_claims() -> int:
    """With no worker alive, make its claims as old as STALE_CLAIM; return how many."""
    old = timezone.now() - STALE_CLAIM - dt.timedelta(seconds=1)
    return PaymentRequest.objects.filter(state=RequestState.CLAIMED).update(claimed_at=old)


def expire_dead_poll_lock() -> bool:
    """With no worker alive, let the polling lock it held (killed mid-cycle, it never released
    it) expire now rather than after LOCK_TTL; return whether it held one."""
    return cache.delete(polling.LOCK_KEY)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() > self.at


def submit_all(args, people, providers, worker: Worker, deadline: Deadline) -> None:
    """Issue the invoices, kill the worker once mid-run, wait until nothing waits to be sent."""
    killed = False
    for index in range(args.invoices):
        issue_invoice(index, people, providers)
        if index % 10 == 9:
            killed = killed or maybe_kill(args.invoices, worker)
    print(f"issued {args.invoices} invoices")
    while not deadline.passed:
        killed = killed or maybe_kill(args.invoices, worker)
        if not PaymentRequest.objects.filter(state__in=WAITING_STATES).exists():
            break
        beat()
        time.sleep(TICK_SECONDS)
    if not killed:
        maybe_kill(args.invoices, worker, force=True)


def maybe_kill(total: int, worker: Worker, *, force: bool = False) -> bool:
    """Kill the worker once a third is sent and some claims are in flight; start another."""
    sent = PaymentRequest.objects.filter(state=RequestState.SUBMITTED).count()
    claimed = PaymentRequest.objects.filter(state=RequestState.CLAIMED).exists()
    if not force and not (sent >= total // 3 and claimed) and sent < total // 2:
        return False
    worker.kill()
    aged = age_dead_claims()
    lock = ", in a polling cycle" if expire_dead_poll_lock() else ""
    print(f"worker killed (SIGKILL) with {sent} requests sent, {aged} claims in flight{lock}")
    worker.start()
    return True


def settle(expected: dict[int, str], step: str, deadline: Deadline) -> None:
    """Poll until the portal shows the expected status of every request (or time is up)."""
    started = time.monotonic()
    late: list[int] = []
    while not deadline.passed:
        rows = PaymentRequest.objects.filter(pk__in=expected)
        seen = {
            pk: (code, paid)
            for pk, code, paid in rows.values_list("pk", "status_code", "payment_id")
        }
        # A 70 is reached once its payment is booked too (just after, in the same poll cycle).
        late = [
            pk
            for pk, code in expected.items()
            if seen[pk][0] != code or (code == "70" and seen[pk][1] is None)
        ]
        if not late:
            break
        PaymentRequest.objects.filter(pk__in=late, state=RequestState.SUBMITTED).update(
            next_poll_at=timezone.now()
        )
        beat()
        time.sleep(TICK_SECONDS)
    shown = ",".join(f"{code}:{n}" for code, n in sorted(Counter(expected.values()).items()))
    print(f"step {step}: {shown} in {time.monotonic() - started:.1f} s, {len(late)} late")


# --- the lifecycle, driven at the sandbox ----------------------------------------------------


# The share of requests given each fate (at least one each); the others are validated.
FATE_SHARES = {"contest": 0.10, "silent": 0.20, "recover": 0.05, "cancel-unpaid": 0.05}


def scenarios(requests_: list[PaymentRequest], seed: int) -> dict[int, str]:
    """Give each request its fate, in a repeatable shuffle: validated, contested, silent, or
    debit refused (then recovered or cancelled unpaid)."""
    shuffled = [request.pk for request in requests_]
    random.Random(seed).shuffle(shuffled)
    fates, start = {}, 0
    for fate, share in FATE_SHARES.items():
        count = max(1, round(share * len(shuffled)))
        fates.update(dict.fromkeys(shuffled[start : start + count], fate))
        start += count
    fates.update(dict.fromkeys(shuffled[start:], "validate"))
    return fates


# The portal status expected after each step, per fate.
STEPS = {
    "validate": ["20", "30", "50", "50", "50", "70", "70"],
    "contest": ["20", "40", "40", "40", "40", "40", "40"],
    "silent": ["20", "20", "30", "30", "30", "50", "70"],
    "recover": ["20", "30", "50", "60", "120", "120", "120"],
    "cancel-unpaid": ["20", "30", "50", "60", "111", "111", "111"],
}
# What the client, the bank or the sandbox clock does before each step, and its name.
ACTIONS = [
    ("sent", None),
    ("client answers", {"validate": "validate", "recover": "validate",
                        "cancel-unpaid": "validate", "contest": "contest"}),
    ("+48 h", "48h"),
    ("debit refused", {"recover": "refuse_debit", "cancel-unpaid": "refuse_debit"}),
    ("unpaid settled", {"recover": "recover", "cancel-unpaid": "cancel_unpaid"}),
    ("+48 h", "48h"),
    ("+48 h", "48h"),
]  # fmt: skip


def drive_lifecycle(fates: dict[int, str], remote: SandboxRemote, deadline: Deadline) -> None:
    ids = dict(PaymentRequest.objects.filter(pk__in=fates).values_list("pk", "urssaf_id"))
    for step, (name, action) in enumerate(ACTIONS):
        if action == "48h":
            remote.advance(hours=48)
        elif action:
            for pk, fate in fates.items():
                if fate in action and ids[pk]:
                    getattr(remote, action[fate])(ids[pk])
        expected = {pk: STEPS[fate][step] for pk, fate in fates.items()}
        settle(expected, f"{step} ({name})", deadline)


# --- the verdict ----------------------------------------------------------------------------


def duplicates_at_sandbox(numbers: list[str], remote: SandboxRemote) -> tuple[int, int]:
    """Return (duplicates, missing): requests beyond one per invoice number, numbers absent."""
    held = Counter(d["demandePaiement"]["numFactureTiers"] for d in remote.demandes()["demandes"])
    duplicates = sum(max(0, held[number] - 1) for number in numbers)
    missing = sum(1 for number in numbers if held[number] == 0)
    extra = set(held) - set(numbers)
    return duplicates + sum(held[number] for number in extra), missing


def stuck_requests(fates: dict[int, str]) -> list[PaymentRequest]:
    """Return the requests not where their fate leads: wrong status, not sent, 70 unbooked."""
    stuck = []
    for request in PaymentRequest.objects.filter(pk__in=fates):
        final = STEPS[fates[request.pk]][-1]
        booked = final != "70" or request.payment_id is not None
        if request.state != RequestState.SUBMITTED or request.status_code != final or not booked:
            stuck.append(request)
    return stuck


def report(args, fates: dict[int, str], remote: SandboxRemote, started: float) -> int:
    requests_ = list(PaymentRequest.objects.all())
    numbers = [request.invoice_number for request in requests_]
    duplicates, missing = duplicates_at_sandbox(numbers, remote)
    unsent = [request for request in requests_ if request.pk not in fates]
    stuck = stuck_requests(fates) + unsent
    submissions = len(remote.demandes().get("submissions", []))
    codes = set(
        PaymentRequestEvent.objects.exclude(status_code="").values_list("status_code", flat=True)
    )
    statuses = ",".join(sorted(codes, key=int))
    retries = sum(max(0, request.attempts - 1) for request in requests_)
    adopted = PaymentRequestEvent.objects.filter(kind="adopted").count()
    fate_counts = ", ".join(f"{fate} {n}" for fate, n in sorted(Counter(fates.values()).items()))
    print(f"fates: {fate_counts}")
    print(f"payment requests: {len(requests_)} for {args.invoices} invoices")
    print(
        f"sandbox: {duplicates} extra requests beyond one per invoice number, "
        f"{missing} invoice numbers it never received, {submissions} submissions received"
    )
    print(f"adopted after an uncertain send: {adopted}; send retries: {retries}")
    for request in stuck[:10]:
        print(
            f"stuck: {request.invoice_number} fate={fates.get(request.pk)} "
            f"state={request.state} status={request.status_code} errors={request.error_codes}"
        )
    print(f"elapsed: {time.monotonic() - started:.1f} s")
    print(
        f"soak invoices={args.invoices} duplicates={duplicates} stuck={len(stuck) + missing} "
        f"statuses={statuses} retries={retries}"
    )
    return 1 if duplicates or stuck or missing else 0


def run(args, remote: SandboxRemote, worker: Worker, started: float) -> int:
    deadline = Deadline(args.timeout_s)
    people, providers = activate_clients(args.clients, remote)
    remote.set_faults(
        error_rate=args.error_rate * 0.6,
        error_statuses=[503, 429, 500, 502],
        retry_after_seconds=1,
        timeout_rate=args.error_rate * 0.2,
        timeout_seconds=READ_TIMEOUT + 0.5,
        drop_rate=args.error_rate * 0.2,
        seed=args.seed,
    )
    print(f"{args.clients} clients active at the sandbox; faults on ({args.error_rate:.0%})")
    worker.start()
    submit_all(args, people, providers, worker, deadline)
    sent = list(PaymentRequest.objects.filter(state=RequestState.SUBMITTED).order_by("pk"))
    fates = scenarios(sent, args.seed)
    drive_lifecycle(fates, remote, deadline)
    return report(args, fates, remote, started)


def main() -> int:
    args = parse_args()
    logging.disable(logging.WARNING)  # every injected fault logs a warning
    random.seed(args.seed)
    started = time.monotonic()
    original_name = create_database()
    sandbox, worker = None, Worker(args.concurrency)
    try:
        sandbox, remote = start_sandbox()
        return run(args, remote, worker, started)
    finally:
        worker.stop()
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(timeout=10)
        destroy_database(original_name)
        forget_redis_keys()
        if os.environ.get("SOAK_KEEP_LOGS"):
            print(f"logs kept in {VAR_DIR}")
        else:
            shutil.rmtree(VAR_DIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
