"""The fault soak (bench/soak.py) at CI size: exactly-once sending under faults and a killed worker.

It runs as a subprocess: a throwaway database of its own on the suite's PostgreSQL server, a
real Celery worker and a sandbox it starts, and a Redis db number of its own (the suite's
number plus 8), because tests that clear the cache flush the suite's db, broker queue included.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LAST_LINE = re.compile(
    r"^soak invoices=(?P<invoices>\d+) duplicates=(?P<duplicates>\d+) stuck=(?P<stuck>\d+) "
    r"statuses=(?P<statuses>[\d,]*) retries=(?P<retries>\d+)$"
)


def soak_redis_url(url: str) -> str:
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 8) % 16}"))


def test_fifty_invoices_survive_faults_and_a_killed_worker_sent_exactly_once():
    env = {
        **os.environ,
        "REDIS_URL": soak_redis_url(os.environ["REDIS_URL"]),
    }
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "bench/soak.py",
            "--invoices",
            "50",
            "--clients",
            "10",
            "--timeout-s",
            "90",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    elapsed = time.monotonic() - started

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    found = LAST_LINE.match(done.stdout.strip().splitlines()[-1])
    assert found, output
    assert found["invoices"] == "50"
    assert found["duplicates"] == "0"
    assert found["stuck"] == "0"
    assert {"10", "20", "30", "40", "50", "60", "70", "111", "120"} <= set(
        found["statuses"].split(",")
    ), output
    assert int(found["retries"]) > 0, output  # the faults and the kill were felt
    assert elapsed < 120, output
