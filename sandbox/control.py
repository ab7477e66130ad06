"""The control API under /__sandbox/: what the client, the bank and time do, on demand.

JSON in and out for tests; an HTML form post gets a 303 back to the console with a message.
Refused (403) when the sandbox was started with --no-control.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from . import clock, identity, lifecycle, particulier
from .constants import CONTROL_PREFIX, DEFAULT_CANCEL_CODE, DEFAULT_CONTEST_CODE
from .faults import merged_config
from .nomenclature import CANCEL_CODES, PAYMENT_STATUS_LABELS, REJECTION_LABELS
from .schema import IDENTITY, validate
from .store import RESET_TABLES, set_meta
from .web import HttpError, Request, Response, json_response, redirect

if TYPE_CHECKING:
    from .app import SandboxApp

ACTIONS = "validate|contest|refuse-debit|recover|cancel-unpaid|cancel"
MANDATE_ACTIONS = "expire-mandate|renew-mandate"
CONTEST_FAMILIES = ("CONTEST_", "REGUL_")


@dataclass
class Result:
    body: Any
    message: str
    status: int = HTTPStatus.OK


def dispatch(app: SandboxApp, request: Request) -> Response:
    """Route a control call; answer JSON, or redirect an HTML form back to the console."""
    if not app.control_enabled:
        raise HttpError(HTTPStatus.FORBIDDEN, {"error": "the control API is disabled"})
    route = request.path.removeprefix(CONTROL_PREFIX).strip("/")
    for method, pattern, handler in ROUTES:
        match = re.fullmatch(pattern, route)
        if match and method == request.method:
            return _run(handler, app, request, match.groupdict())
    if any(re.fullmatch(pattern, route) for _, pattern, _ in ROUTES):
        raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "method not allowed"})
    raise HttpError(HTTPStatus.NOT_FOUND, {"error": f"no control route {route!r}"})


def _run(handler: Callable, app: SandboxApp, request: Request, groups: dict) -> Response:
    if not request.is_form:
        result = handler(app, request, **groups)
        return json_response(result.body, status=result.status)
    try:
        result = handler(app, request, **groups)
    except HttpError as exc:
        detail = exc.body.get("error") if isinstance(exc.body, dict) else json.dumps(exc.body)
        return redirect("/", error=str(detail))
    return redirect("/", message=result.message)


def _reset(app: SandboxApp, request: Request) -> Result:
    with app.store.transaction() as db:
        for table in RESET_TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        db.execute("DELETE FROM taxpayers WHERE seeded = 0")
        db.execute("DELETE FROM organisations WHERE seeded = 0")
        app.load_seed(db)
    app.faults.reseed(None)
    return Result({"reset": True}, "Bac à sable remis à zéro.")


def _get_clock(app: SandboxApp, request: Request) -> Result:
    with app.store.transaction() as db:
        now = clock.now(db)
    return Result({"now": clock.to_api(now)}, "")


def _set_clock(app: SandboxApp, request: Request) -> Result:
    data = request.data()
    with app.store.transaction() as db:
        try:
            if data.get("now"):
                now = clock.set_now(db, clock.parse_api(str(data["now"])))
            elif data.get("advance_seconds") not in (None, ""):
                now = clock.advance(db, float(data["advance_seconds"]))
            else:
                raise ValueError("give advance_seconds or now")
        except ValueError as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST, {"error": str(exc)}) from exc
    local = now.astimezone(clock.URSSAF_TZ).strftime("%d/%m/%Y %H:%M")
    return Result({"now": clock.to_api(now)}, f"Horloge du bac à sable : {local}.")


def _list_taxpayers(app: SandboxApp, request: Request) -> Result:
    with app.store.transaction() as db:
        rows = db.execute("SELECT * FROM taxpayers ORDER BY id").fetchall()
    body = [
        {"id": r["id"], "identity": json.loads(r["identity"]), "situation": r["situation"]}
        for r in rows
    ]
    return Result(body, "")


def _add_taxpayer(app: SandboxApp, request: Request) -> Result:
    data = request.data()
    if request.is_form:
        data = _identity_from_form(data)
    situation = data.pop("situation", None) or "ok"
    if situation not in identity.SITUATIONS:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, {"error": f"situation must be {identity.SITUATIONS}"}
        )
    with app.store.transaction() as db:
        problems = validate(data, IDENTITY, "taxpayer")
        if not problems:
            problems = particulier.birth_place_rules(data, clock.now(db))
        if problems:
            raise HttpError(HTTPStatus.BAD_REQUEST, problems)
        known = identity.public_identity(data)
        taxpayer_id = identity.add_taxpayer(db, known, situation)
    body = {"id": taxpayer_id, "identity": known, "situation": situation}
    name = f"{known['prenoms']} {known['nomNaissance']}"
    return Result(body, f"Contribuable {name} ajouté.", HTTPStatus.CREATED)


def _identity_from_form(form: dict[str, str]) -> dict[str, Any]:
    place: dict[str, Any] = {"codePaysNaissance": form.get("codePaysNaissance", "")}
    if form.get("departementNaissance"):
        place["departementNaissance"] = form["departementNaissance"]
    if form.get("codeCommune"):
        place["communeNaissance"] = {
            "codeCommune": form["codeCommune"],
            "libelleCommune": form.get("libelleCommune", ""),
        }
    keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "situation")
    return {**{key: form.get(key, "") for key in keys}, "lieuNaissance": place}


def _add_organisation(app: SandboxApp, request: Request) -> Result:
    data = request.data()
    client_id, secret = data.get("client_id"), data.get("client_secret")
    if not (isinstance(client_id, str) and client_id and isinstance(secret, str) and secret):
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": "client_id and client_secret needed"})
    with app.store.transaction() as db:
        db.execute(
            "INSERT INTO organisations (client_id, client_secret) VALUES (?, ?) "
            "ON CONFLICT (client_id) DO UPDATE SET client_secret = excluded.client_secret",
            (client_id, secret),
        )
    return Result({"client_id": client_id}, "Organisation ajoutée.", HTTPStatus.CREATED)


def _list_particuliers(app: SandboxApp, request: Request) -> Result:
    with app.store.transaction() as db:
        body = particulier.list_links(db, clock.now(db))
    return Result(body, "")


def _activate(app: SandboxApp, request: Request, id_client: str) -> Result:
    data = request.data()
    with app.store.transaction() as db:
        body = particulier.activate(db, id_client, data.get("client_id"), clock.now(db))
    return Result(body, f"Compte de {body['prenoms']} {body['nomNaissance']} activé.")


def _mandate(app: SandboxApp, request: Request, id_client: str, action: str) -> Result:
    """The person's bank mandate expires (payment requests refused), or they renew it."""
    expired = action == "expire-mandate"
    with app.store.transaction() as db:
        body = particulier.set_mandate(db, id_client, clock.now(db), expired=expired)
    what = "échu" if expired else "renouvelé"
    return Result(body, f"Mandat SEPA de {body['prenoms']} {body['nomNaissance']} {what}.")


def _act(app: SandboxApp, request: Request, demande_id: str, action: str) -> Result:
    data = request.data()
    event_data = _event_data(action, data)
    with app.store.transaction() as db:
        row = db.execute("SELECT * FROM demandes WHERE id = ?", (demande_id,)).fetchone()
        if row is None:
            raise HttpError(HTTPStatus.NOT_FOUND, {"error": "unknown idDemandePaiement"})
        now = clock.now(db)
        status = lifecycle.snapshot(db, row, now).status
        if lifecycle.target_of(action, status) is None:
            label = PAYMENT_STATUS_LABELS[status]
            raise HttpError(
                HTTPStatus.CONFLICT,
                {"error": f"cannot {action} a request in status {status} ({label})"},
            )
        db.execute(
            "INSERT INTO events (demande_id, action, at, data) VALUES (?, ?, ?, ?)",
            (demande_id, action, clock.to_text(now), json.dumps(event_data)),
        )
        body = lifecycle.describe(db, row, now)
    label = body["statut"]["libelle"]
    return Result(body, f"Demande {row['num_facture']} : {label.lower()}.")


def _event_data(action: str, data: dict[str, Any]) -> dict[str, str]:
    allowed: tuple[str, ...]
    if action == "contest":
        code, allowed = data.get("code") or DEFAULT_CONTEST_CODE, CONTEST_FAMILIES
    elif action == "cancel":
        code, allowed = data.get("code") or DEFAULT_CANCEL_CODE, tuple(CANCEL_CODES)
    else:
        return {}
    if code not in REJECTION_LABELS or not code.startswith(allowed):
        raise HttpError(HTTPStatus.BAD_REQUEST, {"error": f"invalid code for {action}: {code}"})
    return {"code": code, "commentaire": str(data.get("commentaire") or "")}


def _list_demandes(app: SandboxApp, request: Request) -> Result:
    number = request.param("numFactureTiers")
    with app.store.transaction() as db:
        now = clock.now(db)
        where, args = ("WHERE num_facture = ?", [number]) if number else ("", [])
        rows = db.execute(f"SELECT * FROM demandes {where} ORDER BY created_at, rowid", args)  # noqa: S608
        found = [_demande_summary(db, row, now) for row in rows.fetchall()]
        query = f"SELECT * FROM submissions {where} ORDER BY id"  # noqa: S608 (fixed clause)
        received = db.execute(query, args).fetchall()
    submissions = [
        {
            "numFactureTiers": row["num_facture"],
            "organisation": row["client_id"],
            "receivedAt": clock.to_api(clock.from_text(row["received_at"])),
            "accepted": row["demande_id"] is not None,
            "idDemandePaiement": row["demande_id"],
            "errors": json.loads(row["errors"]),
        }
        for row in received
    ]
    return Result({"demandes": found, "submissions": submissions}, "")


def _demande_summary(db: Any, row: Any, now: Any) -> dict[str, Any]:
    return {
        **lifecycle.describe(db, row, now),
        "organisation": row["client_id"],
        "receivedAt": clock.to_api(clock.from_text(row["created_at"])),
    }


def _get_faults(app: SandboxApp, request: Request) -> Result:
    with app.store.transaction() as db:
        return Result(app.fault_config(db), "")


def _set_faults(app: SandboxApp, request: Request) -> Result:
    changes = request.data()
    with app.store.transaction() as db:
        config = merged_config(app.fault_config(db), changes)
        set_meta(db, "faults", config)
    if "seed" in changes:
        app.faults.reseed(config["seed"])
    return Result(config, "Pannes simulées mises à jour.")


ROUTES: list[tuple[str, str, Callable[..., Result]]] = [
    ("POST", r"reset", _reset),
    ("GET", r"clock", _get_clock),
    ("POST", r"clock", _set_clock),
    ("GET", r"taxpayers", _list_taxpayers),
    ("POST", r"taxpayers", _add_taxpayer),
    ("POST", r"organisations", _add_organisation),
    ("GET", r"particuliers", _list_particuliers),
    ("POST", r"particuliers/(?P<id_client>[^/]+)/activate", _activate),
    ("POST", rf"particuliers/(?P<id_client>[^/]+)/(?P<action>{MANDATE_ACTIONS})", _mandate),
    ("GET", r"demandes", _list_demandes),
    ("POST", rf"demandes/(?P<demande_id>[^/]+)/(?P<action>{ACTIONS})", _act),
    ("GET", r"faults", _get_faults),
    ("POST", r"faults", _set_faults),
]
