"""python manage.py urssaf_sandbox runs the sandbox as its own process."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_command(tmp_path):
    """Start the command with extra arguments; return (base URL, process); stopped at the end."""
    processes = []

    def run(*extra, cwd=None, env=None):
        port = free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **(env or {})}
        manage = Path(settings.BASE_DIR) / "manage.py"
        process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [sys.executable, str(manage), "urssaf_sandbox", "--port", str(port), *extra],
            cwd=cwd or Path(settings.BASE_DIR),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process)
        return url, process

    yield run
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()  # reap it and close its pipe


def _wait_until_up(url, process, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            requests.get(url + "/", timeout=0.5)
        except requests.ConnectionError:
            time.sleep(0.1)
        else:
            return
    raise AssertionError("the sandbox did not start")


def test_the_command_serves_the_api_and_keeps_its_data_in_its_directory(run_command, tmp_path):
    data_dir = tmp_path / "command-data"
    url, process = run_command("--data-dir", str(data_dir))

    token = requests.post(
        f"{url}/api/oauth/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": settings.URSSAF_SANDBOX_CLIENT_ID,
            "client_secret": settings.URSSAF_SANDBOX_CLIENT_SECRET,
            "scope": "homeplus.tiersprestations",
        },
        timeout=5,
    )
    clock = requests.get(f"{url}/__sandbox/clock", timeout=5)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)

    assert token.status_code == 200
    assert clock.json()["now"].endswith("Z")
    assert process.returncode == 0
    assert "listening on" in output
    assert (data_dir / "sandbox.sqlite3").exists()


def test_the_command_can_refuse_the_control_api(run_command, tmp_path):
    url, _ = run_command("--data-dir", str(tmp_path / "locked"), "--no-control")

    assert requests.post(f"{url}/__sandbox/reset", timeout=5).status_code == 403


def test_the_command_writes_only_under_its_default_data_directory_wherever_it_starts(
    run_command, tmp_path
):
    # The default --data-dir is the URSSAF_SANDBOX_DATA_DIR setting (var/sandbox unless set).
    data_dir, elsewhere = tmp_path / "default-data", tmp_path / "started-here"
    elsewhere.mkdir()
    url, process = run_command(cwd=elsewhere, env={"URSSAF_SANDBOX_DATA_DIR": str(data_dir)})

    moved = requests.post(f"{url}/__sandbox/clock", json={"advance_seconds": 60}, timeout=5)
    faults = requests.post(f"{url}/__sandbox/faults", json={"delay_ms": 1}, timeout=5)
    page = requests.get(f"{url}/", timeout=5)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=10)

    assert (moved.status_code, faults.status_code, page.status_code) == (200, 200, 200)
    assert process.returncode == 0
    assert list(elsewhere.iterdir()) == []
    assert (data_dir / "sandbox.sqlite3").exists()
    assert {path.name for path in tmp_path.iterdir()} == {"default-data", "started-here"}
