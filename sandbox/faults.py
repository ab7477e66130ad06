"""Injected failures on the URSSAF API paths: errors, timeouts, dropped connections, delays.

One random draw per request decides its fate, from a generator that `seed` makes repeatable,
so a test can assert rates statistically without flakiness.
"""

from __future__ import annotations

import random
import threading
from http import HTTPStatus
from typing import Any

from .constants import DEFAULT_FAULTS
from .errors import error
from .web import HttpError, Response, json_response

RATES = ("drop_rate", "timeout_rate", "error_rate")


class FaultInjector:
    """A seedable, thread-safe draw of the fault to inject."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random()  # noqa: S311 (simulated failures, not security)

    def reseed(self, seed: Any) -> None:
        with self._lock:
            self._random.seed(seed)

    def draw(self, config: dict[str, Any]) -> str | None:
        """Return "drop", "timeout", "error" or None for the next request."""
        with self._lock:
            roll = self._random.random()
        threshold = 0.0
        for rate in RATES:
            threshold += float(config[rate])
            if roll < threshold:
                return rate.removesuffix("_rate")
        return None

    def error_response(self, config: dict[str, Any]) -> Response:
        """Return an injected error answer; 429 and 503 say when to come back."""
        with self._lock:
            status = self._random.choice(config["error_statuses"])
        headers = []
        if status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE):
            headers.append(("Retry-After", str(int(config["retry_after_seconds"]))))
        body = [error("ERREUR_TECHNIQUE", "fault injected by the sandbox")]
        return json_response(body, status=status, headers=headers)


def merged_config(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Return `current` updated with valid `changes`; raise HttpError 400 otherwise."""
    unknown = set(changes) - set(DEFAULT_FAULTS)
    if unknown:
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": f"unknown keys: {sorted(unknown)}"})
    config = {**current, **changes}
    try:
        for rate in RATES:
            config[rate] = float(config[rate])
            if not 0 <= config[rate] <= 1:
                raise ValueError(rate)
        for name in ("delay_ms", "timeout_seconds", "retry_after_seconds"):
            config[name] = float(config[name])
            if config[name] < 0:
                raise ValueError(name)
        config["token_lifetime_seconds"] = int(config["token_lifetime_seconds"])
        config["error_statuses"] = [int(status) for status in config["error_statuses"]]
        config["process_before_failure"] = bool(config["process_before_failure"])
    except (TypeError, ValueError) as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": f"invalid value: {exc}"}) from exc
    if sum(config[rate] for rate in RATES) > 1:
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "the rates add up to more than 1"})
    if config["error_rate"] and not all(400 <= s <= 599 for s in config["error_statuses"] or [0]):
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "error_statuses must be 4xx/5xx codes"})
    if config["token_lifetime_seconds"] < 1:
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "token_lifetime_seconds must be ≥ 1"})
    return config
