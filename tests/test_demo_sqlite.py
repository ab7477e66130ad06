"""The demo runs on SQLite while the suite runs on PostgreSQL: each role's main pages are opened
once on the demo's own database and settings (tests/demo_pages.py, in a subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_roles_main_pages_answer_on_the_demos_sqlite(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings.demo", "SAP_VAR_DIR": str(tmp_path)}

    done = subprocess.run(
        [sys.executable, "tests/demo_pages.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert done.stdout.strip().splitlines()[-1] == "demo pages=16 failed=none", output
