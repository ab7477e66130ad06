"""Drive a running sandbox from Python: its clock, the client's and the bank's actions.

Used by the test fixtures (tests/plugins/sandbox.py) and handy in a shell for a demo:

    remote = SandboxRemote("http://127.0.0.1:8765")
    remote.activate(id_client); remote.advance(hours=48)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from . import clock
from .constants import API_PREFIX, CONTROL_PREFIX, TOKEN_PATH


class SandboxControlError(Exception):
    """The control API refused a call; `status` and `body` say why."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class SandboxRemote:
    """A client of the sandbox's control API (/__sandbox/)."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str = "sandbox",
        client_secret: str = "sandbox",  # noqa: S107 (the sandbox's documented default)
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = requests.Session()

    @property
    def api_base_url(self) -> str:
        """What URSSAF_BASE_URL should be to talk to this sandbox."""
        return f"{self.url}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        """What URSSAF_TOKEN_URL should be to talk to this sandbox."""
        return f"{self.url}{TOKEN_PATH}"

    # --- state and time -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything but the seeded taxpayers; reset the clock and the faults."""
        self._post("reset")

    def now(self) -> datetime:
        """Return the sandbox clock's current time (aware UTC)."""
        return clock.parse_api(self._get("clock")["now"])

    def advance(self, *, days: float = 0, hours: float = 0, seconds: float = 0) -> datetime:
        """Move the sandbox clock forward; return the new time."""
        total = days * 86400 + hours * 3600 + seconds
        return clock.parse_api(self._post("clock", {"advance_seconds": total})["now"])

    def set_now(self, when: datetime) -> datetime:
        """Set the sandbox clock to `when` (aware); return it."""
        return clock.parse_api(self._post("clock", {"now": when.isoformat()})["now"])

    def faults(self) -> dict[str, Any]:
        """Return the injected-fault configuration in force."""
        return self._get("faults")

    def set_faults(self, **config: Any) -> dict[str, Any]:
        """Change the injected faults (error_rate, timeout_rate, ...); return the whole set."""
        return self._post("faults", config)

    # --- people -------------------------------------------------------------------------------

    def add_taxpayer(self, identity: dict[str, Any], situation: str = "ok") -> dict[str, Any]:
        """Add a person to the fake DGFiP directory (identity in the /particulier shape)."""
        return self._post("taxpayers", {**identity, "situation": situation})

    def add_organisation(self, client_id: str, client_secret: str) -> None:
        """Accept one more pair of credentials: another provider using URSSAF."""
        self._post("organisations", {"client_id": client_id, "client_secret": client_secret})

    def activate(self, id_client: str, *, client_id: str | None = None) -> dict[str, Any]:
        """Play the client activating their URSSAF account; return the GET /particulier body."""
        return self._post(f"particuliers/{id_client}/activate", _only(client_id=client_id))

    def expire_mandate(self, id_client: str) -> dict[str, Any]:
        return self._post(f"particuliers/{id_client}/expire-mandate")

    def renew_mandate(self, id_client: str) -> dict[str, Any]:
        return self._post(f"particuliers/{id_client}/renew-mandate")

    def particuliers(self) -> list[dict[str, Any]]:
        """Return every person-organisation link with its GET /particulier status."""
        return self._get("particuliers")

    # --- payment requests -----------------------------------------------------------------------

    def validate(self, demande_id: str) -> dict[str, Any]:
        """Play the client validating the request (20 → 30)."""
        return self._act(demande_id, "validate")

    def contest(
        self, demande_id: str, code: str = "CONTEST_ERR_FACT", commentaire: str = ""
    ) -> dict[str, Any]:
        """Play the client contesting the request (20 → 40, with infoRejet)."""
        return self._act(demande_id, "contest", {"code": code, "commentaire": commentaire})

    def refuse_debit(self, demande_id: str) -> dict[str, Any]:
        """Play the bank refusing the direct debit (50 or 70 → 60)."""
        return self._act(demande_id, "refuse-debit")

    def recover(self, demande_id: str) -> dict[str, Any]:
        """Mark an unpaid request as recovered by the provider (60 → 120)."""
        return self._act(demande_id, "recover")

    def cancel_unpaid(self, demande_id: str) -> dict[str, Any]:
        """Cancel an unpaid request (60 → 111)."""
        return self._act(demande_id, "cancel-unpaid")

    def cancel(
        self, demande_id: str, code: str = "ANNUL_AUTRE", commentaire: str = ""
    ) -> dict[str, Any]:
        """Cancel a request at the provider's motivated demand (10/20/30 → 110)."""
        return self._act(demande_id, "cancel", {"code": code, "commentaire": commentaire})

    def demandes(self, invoice_number: str | None = None) -> dict[str, Any]:
        """Return `{"demandes": [...], "submissions": [...]}`, all or for one invoice number."""
        return self._get("demandes", _only(numFactureTiers=invoice_number))

    def submissions(self, invoice_number: str) -> list[dict[str, Any]]:
        """Return every time this invoice number reached the sandbox, accepted or refused."""
        return self.demandes(invoice_number)["submissions"]

    # --- transport ------------------------------------------------------------------------------

    def _act(self, demande_id: str, action: str, body: dict | None = None) -> dict[str, Any]:
        return self._post(f"demandes/{demande_id}/{action}", body)

    def _get(self, path: str, params: dict | None = None) -> Any:
        url = f"{self.url}{CONTROL_PREFIX}{path}"
        return _answer(self.session.get(url, params=params, timeout=self.timeout))

    def _post(self, path: str, body: dict | None = None) -> Any:
        url = f"{self.url}{CONTROL_PREFIX}{path}"
        return _answer(self.session.post(url, json=body or {}, timeout=self.timeout))


def _only(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _answer(response: requests.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if not response.ok:
        raise SandboxControlError(response.status_code, body)
    return body
