"""The dated report of a qualification run: JSON and HTML, every exchange, secrets masked.

Masked before anything is written: the client secret and access tokens, IBAN and BIC (the
report joins the habilitation file, it is not a place for bank details).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from django.template.loader import render_to_string

from .. import api
from .scenarios import FAILED, Scenario

MASK = "***"
SECRET_KEYS = {"client_secret", "access_token", "refresh_token", "iban", "bic", "password"}
_SECRET_IN_TEXT = re.compile(
    r'("(?:client_secret|access_token|refresh_token|iban|bic)"\s*:\s*)"[^"]*"', re.IGNORECASE
)


def mask(value: Any) -> Any:
    """Return `value` (JSON-like) with every secret field replaced by ***."""
    if isinstance(value, dict):
        return {k: MASK if k.lower() in SECRET_KEYS else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def _body(raw: bytes | dict[str, str] | None) -> Any:
    if raw is None:
        return None
    if isinstance(raw, dict):  # the token request's form
        return mask(dict(raw))
    text = raw.decode("utf-8", "replace")
    try:
        return mask(json.loads(text))
    except ValueError:
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and "=" in text and "{" not in text:
            return mask(dict(pairs))
        return _SECRET_IN_TEXT.sub(rf'\1"{MASK}"', text)


def exchange_data(exchange: api.Exchange) -> dict[str, Any]:
    return {
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "params": exchange.params or {},
            # The bearer token is never shown; say it was there.
            "headers": {"Authorization": f"Bearer {MASK}"} if "/token" not in exchange.url else {},
            "body": _body(exchange.request_body),
        },
        "response": {
            "status": exchange.status,
            "body": _body(exchange.response_body) if exchange.response_body else None,
            "error": exchange.error,
        },
        "seconds": round(exchange.seconds, 3),
    }


@dataclass(frozen=True)
class Report:
    json_path: Path
    html_path: Path
    green: bool


def write(
    scenarios: list[Scenario], *, directory: Path, base_url: str, started: datetime
) -> Report:
    """Write report.json and report.html under `directory`/<date-time>/; return their paths."""
    data: dict[str, Any] = {  # JSON, for report.json and the HTML template
        "title": "Campagne de tests URSSAF — API Tiers de prestation",
        "base_url": base_url,
        "started_at": started.isoformat(timespec="seconds"),
        "green": all(s.verdict != FAILED for s in scenarios),
        "scenarios": [
            {
                "key": s.key,
                "title": s.title,
                "verdict": s.verdict,
                "checks": [{"label": label, "ok": ok} for label, ok in s.checks],
                "manual": s.manual,
                "error": s.error,
                "exchanges": [exchange_data(e) for e in s.exchanges],
            }
            for s in scenarios
        ],
    }
    folder = directory / started.strftime("%Y-%m-%d_%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / "report.json", folder / "report.html"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), "utf-8")
    for scenario in data["scenarios"]:
        for exchange in scenario["exchanges"]:
            for side in ("request", "response"):
                body = exchange[side]["body"]
                exchange[side]["text"] = (
                    json.dumps(body, ensure_ascii=False, indent=2, default=str)
                    if body is not None
                    else ""
                )
    html = render_to_string("urssaf/qualification_report.html", data)
    html_path.write_text(html, "utf-8")
    return Report(json_path, html_path, data["green"])
