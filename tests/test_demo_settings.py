"""The demo's settings (scripts/demo): its own error pages, nothing to configure, nothing left
outside var/."""

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG,
    "engine": s.DATABASES["default"]["ENGINE"],
    "urssaf": s.URSSAF_BASE_URL,
    "finders": s.WHITENOISE_USE_FINDERS,
    "control": s.CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"],
    "var": str(s.VAR_DIR),
}))
"""


def demo_settings(tmp_path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SAP_", "URSSAF_"))
        and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.demo", "SAP_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-c", SHOW]  # our own code, no outside input
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_runs_without_debug_on_sqlite_and_the_sandbox_with_nothing_to_set(tmp_path):
    found = demo_settings(tmp_path)

    assert found["debug"] is False  # a 404 is the portal's page, not Django's URL list
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["urssaf"].startswith("http://127.0.0.1:")
    assert found["finders"] is True


def test_the_file_broker_keeps_its_control_folder_under_var(tmp_path):
    found = demo_settings(tmp_path)

    assert Path(found["control"]).is_relative_to(found["var"])


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"].endswith("/img/favicon.svg")
    assert (ROOT / "static" / "img" / "favicon.svg").exists()
