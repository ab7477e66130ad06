"""The status of a payment request, recomputed on every read from its events and the clock.

Nothing runs in the background: a request created at T is "20" at T, "30" at T + 48 h unless
the client answered, and so on, because `snapshot` replays the recorded actions and the
automatic transitions (constants.AUTOMATIC_TRANSITIONS) up to "now" on the sandbox clock.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import clock
from .constants import (
    ACTION_TRANSITIONS,
    AUTOMATIC_TRANSITIONS,
    TRANSFER_DELAY_AFTER_DEBIT,
)
from .nomenclature import PAYMENT_STATUS_LABELS, PaymentStatus


@dataclass(frozen=True)
class Event:
    action: str
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """Where a payment request stands at a given moment."""

    status: PaymentStatus
    since: datetime
    debited_at: datetime | None = None
    paid_at: datetime | None = None
    rejection: dict[str, str] | None = None


def replay(created_at: datetime, events: list[Event], now: datetime) -> Snapshot:
    """Return the state at `now` of a request created at `created_at` with these actions.

    An action no longer allowed when replayed (the clock was moved back before it and another
    action came first) is ignored; actions dated after `now` have not happened yet.
    """
    state = Snapshot(status=PaymentStatus.INTEGRATED, since=created_at)
    for event in sorted(events, key=lambda event: event.at):
        if event.at > now:
            break
        state = _apply(_run_automatic(state, until=event.at), event)
    return _run_automatic(state, until=now)


def target_of(action: str, status: PaymentStatus) -> PaymentStatus | None:
    """Return the status `action` leads to from `status`, None when not allowed."""
    return ACTION_TRANSITIONS.get(action, {}).get(status)


def _run_automatic(state: Snapshot, *, until: datetime) -> Snapshot:
    while state.status in AUTOMATIC_TRANSITIONS:
        target, delay = AUTOMATIC_TRANSITIONS[state.status]
        if state.since + delay > until:
            break
        state = _enter(state, target, state.since + delay)
    return state


def _apply(state: Snapshot, event: Event) -> Snapshot:
    target = target_of(event.action, state.status)
    if target is None:
        return state
    rejection = None
    if "code" in event.data:
        rejection = {"code": event.data["code"], "commentaire": event.data.get("commentaire", "")}
    return _enter(state, target, event.at, rejection=rejection or state.rejection)


def _enter(state: Snapshot, status: PaymentStatus, at: datetime, **changes: Any) -> Snapshot:
    if status == PaymentStatus.DEBITED:
        changes["debited_at"] = at
    if status == PaymentStatus.PAID:
        changes["paid_at"] = at
    return replace(state, status=status, since=at, **changes)


# --- reading from the store ------------------------------------------------------------------


def load_events(db: sqlite3.Connection, demande_id: str) -> list[Event]:
    """Return the recorded actions on a request, in the order they were recorded."""
    rows = db.execute(
        "SELECT action, at, data FROM events WHERE demande_id = ? ORDER BY id", (demande_id,)
    )
    return [
        Event(row["action"], clock.from_text(row["at"]), json.loads(row["data"])) for row in rows
    ]


def snapshot(db: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> Snapshot:
    """Return the state at `now` of the stored request `row`."""
    return replay(clock.from_text(row["created_at"]), load_events(db, row["id"]), now)


def describe(db: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> dict[str, Any]:
    """Return the `InfoDemandePaiement` of a stored request as the status search shows it."""
    state = snapshot(db, row, now)
    echo = json.loads(row["data"], parse_float=Decimal)
    info: dict[str, Any] = {
        "idDemandePaiement": row["id"],
        "demandePaiement": echo,
        "statut": {"code": str(state.status), "libelle": PAYMENT_STATUS_LABELS[state.status]},
    }
    if state.rejection and state.status in (PaymentStatus.REFUSED, PaymentStatus.CANCELLED):
        info["infoRejet"] = state.rejection
    transfer = _transfer(state, echo)
    if transfer:
        info["infoVirement"] = transfer
    return info


def _transfer(state: Snapshot, echo: dict[str, Any]) -> dict[str, Any] | None:
    if state.paid_at is not None:
        amount = Decimal(echo["mntFactureTTC"]) - Decimal(echo.get("mntAcompte") or 0)
        return {"mntVirement": amount, "dateVirement": _api_date(state.paid_at)}
    if state.status == PaymentStatus.DEBITED and state.debited_at is not None:
        # Observed: the transfer date is known before the amount (API.md §7.2).
        return {"dateVirement": _api_date(state.debited_at + TRANSFER_DELAY_AFTER_DEBIT)}
    return None


def _api_date(moment: datetime) -> str:
    return f"{clock.local_date(moment).isoformat()}T00:00:00Z"
