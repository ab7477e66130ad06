"""OAuth2 client-credentials tokens (API.md §2), expiring on the sandbox clock."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from . import clock
from .constants import TOKEN_SCOPE


def oauth_error(code: str, description: str) -> dict[str, str]:
    """Return a token-endpoint error body."""
    # The body of a token error is unconfirmed (API.md §2): RFC 6749's shape.
    return {"error": code, "error_description": description}


def issue(
    db: sqlite3.Connection, form: dict[str, str], now: datetime, lifetime: int
) -> tuple[int, dict[str, Any]]:
    """Check the client credentials of a token request; return (status, body)."""
    if form.get("grant_type") != "client_credentials":
        return HTTPStatus.BAD_REQUEST, oauth_error(
            "unsupported_grant_type", "grant_type=client_credentials expected"
        )
    row = db.execute(
        "SELECT client_secret FROM organisations WHERE client_id = ?", (form.get("client_id"),)
    ).fetchone()
    if row is None or not secrets.compare_digest(row[0], form.get("client_secret", "")):
        return HTTPStatus.UNAUTHORIZED, oauth_error("invalid_client", "bad client credentials")
    if form.get("scope") != TOKEN_SCOPE:
        return HTTPStatus.BAD_REQUEST, oauth_error("invalid_scope", f"scope {TOKEN_SCOPE} expected")
    token = secrets.token_urlsafe(32)
    # Forget tokens dead for a day so the table does not grow for ever under a soak test.
    db.execute("DELETE FROM tokens WHERE expires_at < ?", (clock.to_text(now - timedelta(days=1)),))
    db.execute(
        "INSERT INTO tokens (token, client_id, expires_at) VALUES (?, ?, ?)",
        (token, form["client_id"], clock.to_text(now + timedelta(seconds=lifetime))),
    )
    return HTTPStatus.OK, {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": TOKEN_SCOPE,
    }


def authenticate(db: sqlite3.Connection, token: str | None, now: datetime) -> str | None:
    """Return the organisation (client id) of a live token, None if unknown or expired."""
    if not token:
        return None
    row = db.execute(
        "SELECT client_id, expires_at FROM tokens WHERE token = ?", (token,)
    ).fetchone()
    if row is None or clock.from_text(row["expires_at"]) <= now:
        return None
    return row["client_id"]
