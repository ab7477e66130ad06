"""The sandbox's own state: one SQLite file under its data directory, never the portal's DB.

Every request runs inside `Store.transaction()`, which holds a process-wide lock and an
immediate SQLite transaction: handler threads never see each other's half-done writes, and a
second process on the same file waits instead of corrupting it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organisations (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, seeded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS taxpayers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_key TEXT NOT NULL,
    identity TEXT NOT NULL,
    situation TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS taxpayers_key ON taxpayers (identity_key);
CREATE TABLE IF NOT EXISTS particuliers (
    id_client TEXT PRIMARY KEY,
    identity_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    client_id TEXT NOT NULL,
    id_client TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    activated_at TEXT,
    PRIMARY KEY (client_id, id_client)
);
CREATE TABLE IF NOT EXISTS demandes (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    id_client TEXT NOT NULL,
    num_facture TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (client_id, num_facture)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demande_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_demande ON events (demande_id);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    num_facture TEXT NOT NULL,
    received_at TEXT NOT NULL,
    demande_id TEXT,
    errors TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_num ON submissions (num_facture);
CREATE TABLE IF NOT EXISTS expired_mandates (
    id_client TEXT PRIMARY KEY,
    expired_at TEXT NOT NULL
);
"""
# Tables emptied by a reset; seeded taxpayers and organisations are reloaded by the app.
RESET_TABLES = (
    "tokens",
    "particuliers",
    "links",
    "demandes",
    "events",
    "submissions",
    "expired_mandates",
    "meta",
)


class Store:
    """A thread-safe handle on the sandbox's SQLite file."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "sandbox.sqlite3"
        self._lock = threading.Lock()
        # One connection shared under the lock: SQLite serialises writers anyway, and the lock
        # makes every read-compute-write sequence of a request atomic.
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield the connection inside an exclusive transaction, committed on success."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def get_meta(db: sqlite3.Connection, key: str, default: Any = None) -> Any:
    """Return the JSON value stored under `key`, or `default`."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row["value"])


def set_meta(db: sqlite3.Connection, key: str, value: Any) -> None:
    """Store a JSON value under `key`."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )
