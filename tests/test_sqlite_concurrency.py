"""The demo's embedded SQLite under concurrent writers (bench/sqlite_concurrency.py at CI size).

It runs as a subprocess on the settings scripts/demo uses (no DATABASE_URL: an SQLite file in a
throwaway folder): four processes issue drafts at once, each twice as a double click does, and
two processes run an attestation batch. Without WAL, IMMEDIATE transactions and a busy timeout
this fails with "database is locked" (and half the batch is lost).
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST_LINE = re.compile(
    r"^sqlite issues=(?P<issues>\d+) numbers=(?P<numbers>\d+) errors=(?P<errors>\d+) "
    r"batch=(?P<done>\d+)/(?P<total>\d+) failed=(?P<failed>\d+) status=(?P<status>\w+)$"
)


def test_parallel_issues_and_a_two_process_batch_never_hit_a_locked_database():
    done = subprocess.run(
        [sys.executable, "bench/sqlite_concurrency.py", "--clients", "10"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "database is locked" not in output
    found = LAST_LINE.match(done.stdout.strip().splitlines()[-1])
    assert found, output
    assert (found["issues"], found["numbers"], found["errors"]) == ("10", "10", "0"), output
    assert (found["done"], found["total"], found["failed"]) == ("10", "10", "0"), output
    assert found["status"] == "done"
