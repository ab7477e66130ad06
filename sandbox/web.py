"""Minimal WSGI request/response helpers for the sandbox (no framework, no Django)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode

MAX_BODY_BYTES = 1_000_000
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class HttpError(Exception):
    """Abort the request with this status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    environ: dict[str, Any] = field(repr=False)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Read the method, path, headers and the whole body of a WSGI request."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"}) from exc
        if length > MAX_BODY_BYTES:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO") or "/",
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            environ=environ,
        )

    @property
    def is_form(self) -> bool:
        return self.headers.get("content-type", "").startswith(FORM_CONTENT_TYPE)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """Return the parsed JSON body, numbers with a fraction as Decimal; 400 if malformed."""
        try:
            return json.loads(self.body or b"null", parse_float=Decimal)
        except ValueError as exc:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                [api_error("ERREUR_VALIDATION", "Le corps de la requête n'est pas du JSON valide")],
            ) from exc

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def data(self) -> dict[str, Any]:
        """Return the body of a control call, sent as JSON or as an HTML form."""
        if self.is_form:
            return self.form()
        value = self.json() if self.body.strip() else {}
        if not isinstance(value, dict):
            raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "a JSON object is expected"})
        return value

    def basic_credentials(self) -> dict[str, str]:
        """Return the client id and secret of an HTTP Basic header, {} without a valid one.

        URSSAF's token endpoint takes them there or in the form body (RFC 6749 §2.3.1; two
        public clients use Basic, API.md §0.4). Each part is form-urlencoded before encoding.
        """
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return {}
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return {}
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            return {}
        return {"client_id": unquote_plus(client_id), "client_secret": unquote_plus(secret)}

    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"

    def header_list(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", f"{self.content_type}; charset=utf-8"),
            ("Content-Length", str(len(self.body))),
            ("Cache-Control", "no-store"),
            *self.headers,
        ]


def dumps(data: Any) -> str:
    """Serialise to JSON; Decimals become numbers (exact below 15 significant digits)."""
    return json.dumps(data, default=_number, ensure_ascii=False)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(data: Any, status: int = HTTPStatus.OK, **kwargs: Any) -> Response:
    return Response(status=status, body=dumps(data).encode("utf-8"), **kwargs)


def html_response(text: str, status: int = HTTPStatus.OK) -> Response:
    return Response(status=status, body=text.encode("utf-8"), content_type="text/html")


def redirect(location: str, **params: str) -> Response:
    target = f"{location}?{urlencode(params)}" if params else location
    return Response(status=HTTPStatus.SEE_OTHER, headers=[("Location", target)])


def api_error(code: str, message: str, description: str = "") -> dict[str, str]:
    """Return one URSSAF error object `{code, message, description}`."""
    return {"code": code, "message": message, "description": description}
