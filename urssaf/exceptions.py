"""Every failure of a call to URSSAF, mapped once into "retry later" or "will never work".

`error_from_response` and `error_from_exception` are the only places that decide which is
which; callers catch `TransientUrssafError` (retry with backoff, honour `retry_after`) or
`PermanentUrssafError` (show `errors` to staff, fix the data).
"""

from __future__ import annotations

import email.utils
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests

# A 4xx whose body carries one of these codes is URSSAF saying "technical problem, try again"
# (API.md §6: ERREUR_TECHNIQUE "erreur technique URSSAF: retry later").
TRANSIENT_ERROR_CODES = frozenset({"ERREUR_TECHNIQUE"})
TRANSIENT_HTTP_STATUSES = frozenset({HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS})


@dataclass(frozen=True)
class UrssafErrorDetail:
    """One `{code, message, description}` entry of an URSSAF error list."""

    code: str
    message: str = ""
    description: str = ""

    @classmethod
    def from_payload(cls, data: Any) -> UrssafErrorDetail:
        """Build from one error object, tolerating the OAuth2 shape and missing keys."""
        if not isinstance(data, dict):
            return cls(code=str(data))
        code = data.get("code") or data.get("error") or "INCONNU"
        message = data.get("message") or data.get("error_description") or ""
        return cls(
            code=str(code), message=str(message), description=str(data.get("description") or "")
        )

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class UrssafError(Exception):
    """Base class: a call to URSSAF did not give the expected answer."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: tuple[UrssafErrorDetail, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        """Return every error code URSSAF gave, in order."""
        return [error.code for error in self.errors]

    def has_code(self, code: str) -> bool:
        """Tell whether URSSAF gave this error code."""
        return code in self.codes


class TransientUrssafError(UrssafError):
    """Timeout, connection failure, 5xx or 429: the same call may succeed later.

    `retry_after` holds the seconds URSSAF asked us to wait (Retry-After), when it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PermanentUrssafError(UrssafError):
    """A 4xx: the same call will fail again until the data or the credentials change.

    `errors` holds every top-level error of the body; `item_errors` maps each rejected invoice
    number (or `#<index>` when URSSAF did not echo it) of a batch to its own errors.
    """

    def __init__(
        self,
        message: str,
        *,
        item_errors: dict[str, tuple[UrssafErrorDetail, ...]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.item_errors = item_errors or {}

    @property
    def codes(self) -> list[str]:
        """Return every error code, the top-level ones first, then each invoice's."""
        item_codes = [error.code for errors in self.item_errors.values() for error in errors]
        return [error.code for error in self.errors] + item_codes


def parse_error_list(body: Any) -> tuple[UrssafErrorDetail, ...]:
    """Return the errors of a body that is a list, an `{errors: [...]}` object or one error."""
    if isinstance(body, list):
        return tuple(UrssafErrorDetail.from_payload(item) for item in body if not _is_item(item))
    if isinstance(body, dict):
        # "Errors" with a capital E in the JSDoc and two TS types (API.md §7.2: unconfirmed).
        nested = body.get("errors") or body.get("Errors")
        if isinstance(nested, list):
            return tuple(UrssafErrorDetail.from_payload(item) for item in nested)
        if body.get("code") or body.get("error"):
            return (UrssafErrorDetail.from_payload(body),)
    return ()


def parse_item_errors(body: Any) -> dict[str, tuple[UrssafErrorDetail, ...]]:
    """Return the per-invoice errors of a batch answer (`[{numFactureTiers, errors}, ...]`)."""
    if not isinstance(body, list):
        return {}
    found = {}
    for index, item in enumerate(body):
        if _is_item(item) and item.get("errors"):
            key = str(item.get("numFactureTiers") or f"#{index}")
            found[key] = tuple(UrssafErrorDetail.from_payload(error) for error in item["errors"])
    return found


def parse_retry_after(value: str | None) -> float | None:
    """Return the delay of a Retry-After header (seconds or HTTP date), None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(response: requests.Response) -> UrssafError:
    """Map a non-2xx answer to the exception the caller should handle."""
    status = response.status_code
    body = _json_or_none(response)
    errors = parse_error_list(body)
    summary = ", ".join(str(error) for error in errors) or (response.reason or "")
    message = f"URSSAF answered HTTP {status} to {response.request.method} {_path(response)}"
    if summary:
        message = f"{message}: {summary}"
    if (
        status >= HTTPStatus.INTERNAL_SERVER_ERROR
        or status in TRANSIENT_HTTP_STATUSES
        or TRANSIENT_ERROR_CODES & {error.code for error in errors}
    ):
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return TransientUrssafError(
            message, status_code=status, errors=errors, retry_after=retry_after
        )
    return PermanentUrssafError(
        message, status_code=status, errors=errors, item_errors=parse_item_errors(body)
    )


def error_from_exception(exc: requests.RequestException, *, what: str) -> UrssafError:
    """Map a transport failure (timeout, refused or dropped connection) of `what`."""
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return TransientUrssafError(f"{what}: {type(exc).__name__}")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TransientUrssafError(f"{what}: connection broken mid-answer")
    # Invalid URL, too many redirects...: a configuration problem, retrying will not help.
    return PermanentUrssafError(f"{what}: {type(exc).__name__}")


def _is_item(value: Any) -> bool:
    return isinstance(value, dict) and ("numFactureTiers" in value or "idDemandePaiement" in value)


def _json_or_none(response: requests.Response) -> Any:
    # CAERP notes that a 400 sometimes comes with an empty body "despite the spec" (API.md §3.3).
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _path(response: requests.Response) -> str:
    return urlsplit(response.request.url or "").path
