"""Fixtures to run tests against the URSSAF sandbox over real HTTP.

- `sandbox`: a running sandbox, reset before each test. A `Sandbox` (sandbox.remote's
  SandboxRemote: `url`, `api_base_url`, `token_url`, clock and client/bank actions) plus
  `token()` and `api()` for raw calls to the URSSAF endpoints.
- `urssaf_settings`: Django settings pointing urssaf/api.py at that sandbox, with short
  timeouts and no cached token.
- `start_sandbox`: a factory for extra sandboxes with their own options (data dir, control API
  off, token lifetime), stopped after the test; `Sandbox.stop()` stops one earlier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.app import SandboxApp
from sandbox.constants import TOKEN_SCOPE
from sandbox.remote import SandboxRemote
from sandbox.server import RunningSandbox, start_in_thread

CLIENT_ID = "sandbox"
CLIENT_SECRET = "sandbox"


class Sandbox(SandboxRemote):
    """A sandbox under test: its control API plus raw access to the URSSAF endpoints."""

    def __init__(self, running: RunningSandbox, **kwargs: Any) -> None:
        super().__init__(running.url, **kwargs)
        self.running = running

    def stop(self) -> None:
        """Stop this sandbox (its data directory stays, to restart on it)."""
        self.running.stop()

    def token(self, *, client_id: str | None = None, client_secret: str | None = None) -> str:
        """Return a fresh access token for the given (default: the sandbox's) credentials."""
        response = self.session.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id or self.client_id,
                "client_secret": client_secret or self.client_secret,
                "scope": TOKEN_SCOPE,
            },
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def api(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        token: str | None = None,
    ) -> requests.Response:
        """Call `{api_base_url}/{path}` with a bearer token (a fresh one unless given)."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.session.request(
            method,
            f"{self.api_base_url}/{path}",
            json=json,
            params=params,
            headers=headers,
            timeout=self.timeout,
        )


def _start(data_dir: Path, **options: Any) -> Sandbox:
    options.setdefault("client_id", CLIENT_ID)
    options.setdefault("client_secret", CLIENT_SECRET)
    app = SandboxApp(data_dir, **options)
    return Sandbox(
        start_in_thread(app), client_id=options["client_id"], client_secret=options["client_secret"]
    )


@pytest.fixture(scope="session")
def _sandbox_session(tmp_path_factory):
    sandbox = _start(tmp_path_factory.mktemp("urssaf-sandbox"))
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(_sandbox_session) -> Sandbox:
    """The session's sandbox, reset: seeded taxpayers only, real time, no fault."""
    _sandbox_session.reset()
    return _sandbox_session


@pytest.fixture
def start_sandbox(tmp_path):
    """Return `start(data_dir=None, **SandboxApp options) -> Sandbox`; all stopped at the end."""
    started: list[Sandbox] = []

    def start(data_dir: Path | None = None, **options: Any) -> Sandbox:
        sandbox = _start(data_dir or tmp_path / "sandbox", **options)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def urssaf_settings(settings, sandbox):
    """Point urssaf/api.py at the sandbox, with short timeouts and no cached token."""
    from urssaf.api import clear_token_cache

    settings.URSSAF_BASE_URL = sandbox.api_base_url
    settings.URSSAF_TOKEN_URL = sandbox.token_url
    settings.URSSAF_CLIENT_ID = sandbox.client_id
    settings.URSSAF_CLIENT_SECRET = sandbox.client_secret
    settings.URSSAF_CONNECT_TIMEOUT = 2.0
    settings.URSSAF_READ_TIMEOUT = 5.0
    clear_token_cache()
    yield settings
    clear_token_cache()
