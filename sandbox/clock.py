"""The sandbox clock: real time plus a persisted offset that staff and tests move forward.

Token expiry, the 48 h validation window and every payment delay are read on this clock, so a
test can play four days of URSSAF life in milliseconds.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

from .constants import URSSAF_TZ
from .store import get_meta, set_meta

OFFSET_KEY = "clock_offset_seconds"


def now(db: sqlite3.Connection) -> datetime:
    """Return the sandbox's current time, aware UTC."""
    return datetime.now(UTC) + timedelta(seconds=get_meta(db, OFFSET_KEY, 0.0))


def advance(db: sqlite3.Connection, seconds: float) -> datetime:
    """Move the clock forward by `seconds` (backwards if negative); return the new time."""
    set_meta(db, OFFSET_KEY, get_meta(db, OFFSET_KEY, 0.0) + seconds)
    return now(db)


def set_now(db: sqlite3.Connection, when: datetime) -> datetime:
    """Set the clock to `when` (aware); return the new time."""
    set_meta(db, OFFSET_KEY, (when - datetime.now(UTC)).total_seconds())
    return now(db)


def local_date(moment: datetime) -> date:
    """Return the French calendar date of a moment, as URSSAF reads "today"."""
    return moment.astimezone(URSSAF_TZ).date()


def floor_minute(moment: datetime) -> datetime:
    """Return the moment without its seconds: URSSAF compares dates to the minute."""
    return moment.replace(second=0, microsecond=0)


def to_text(moment: datetime) -> str:
    """Return a moment as stored: ISO 8601 UTC, which also sorts as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """Return a stored moment."""
    return datetime.fromisoformat(text)


def to_api(moment: datetime) -> str:
    """Return a moment as the API and the control endpoints show it (`...Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_api(text: str) -> datetime:
    """Parse an ISO 8601 moment; a missing offset means UTC. Raise ValueError if malformed."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
