"""POST /demandePaiement (submit invoices) and POST /demandePaiement/rechercher (search)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from . import clock, lifecycle, particulier
from .constants import (
    ACTIVITY_CODE_PATTERN,
    DECIMAL_PLACES,
    DEMANDE_VALIDATION_ERROR_PREFIX,
    LINE_TTC_TOLERANCE_CENTS,
    MAX_DEPOSIT_SHARE,
    MAX_REQUESTS_PER_CALL,
    MAX_SEARCH_KEYS,
    MAX_SEARCH_RESULTS,
    NATURE_CODES,
    REJECTED_ITEM_STATUT_IS_FIRST_CODE,
    REQUIRE_WORKER_NUMBER,
    WORKER_NUMBER_PATTERN,
)
from .errors import error, validation_error
from .nomenclature import PaymentStatus
from .schema import DEMANDE, SEARCH_DATE_PATTERN, parse_date, validate
from .web import dumps

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Context:
    """What every business rule needs to judge one invoice."""

    db: sqlite3.Connection
    org: str
    item: dict[str, Any]
    now: datetime


def submit(db: sqlite3.Connection, org: str, body: Any, now: datetime) -> tuple[int, Any]:
    """Validate a batch; record every valid invoice; return the answer (status, body)."""
    if not isinstance(body, list) or not body:
        problem = validation_error(DEMANDE_VALIDATION_ERROR_PREFIX, "une liste non vide attendue")
        return HTTPStatus.BAD_REQUEST, [problem]
    if len(body) > MAX_REQUESTS_PER_CALL:
        return HTTPStatus.BAD_REQUEST, [error("ERR_NBRE_PREST_MAX")]
    schema_errors = [
        problem
        for index, item in enumerate(body)
        for problem in validate(item, DEMANDE, f"{DEMANDE_VALIDATION_ERROR_PREFIX}[{index}]")
    ]
    if schema_errors:
        for item in body:
            _record_submission(db, org, item, now, None, schema_errors)
        return HTTPStatus.BAD_REQUEST, schema_errors
    # One by one in the same transaction: an invoice number repeated inside the batch is a
    # duplicate of the first occurrence, which is already recorded.
    return HTTPStatus.OK, [_submit_one(db, org, item, now) for item in body]


def _submit_one(db: sqlite3.Connection, org: str, item: dict, now: datetime) -> dict[str, Any]:
    context = Context(db, org, item, now)
    errors = [problem for rule in ITEM_RULES for problem in rule(context)]
    answer = {"idClient": item["idClient"], "numFactureTiers": item["numFactureTiers"]}
    if errors:
        _record_submission(db, org, item, now, None, errors)
        first = errors[0]["code"] if REJECTED_ITEM_STATUT_IS_FIRST_CODE else ""
        return {**answer, "statut": first, "errors": errors}
    demande_id = str(uuid.uuid4())
    db.execute(
        "INSERT INTO demandes (id, client_id, id_client, num_facture, invoice_date, data, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            demande_id,
            org,
            item["idClient"],
            item["numFactureTiers"],
            parse_date(item["dateFacture"]).isoformat(),
            dumps(item),
            clock.to_text(now),
        ),
    )
    _record_submission(db, org, item, now, demande_id, [])
    return {**answer, "idDemandePaiement": demande_id, "statut": str(PaymentStatus.INTEGRATED)}


def _record_submission(
    db: sqlite3.Connection, org: str, item: Any, now: datetime, demande_id: str | None, errors: list
) -> None:
    # Every invoice received is logged, refused or not, so tests can prove nothing was sent
    # twice (GET /__sandbox/demandes?numFactureTiers=...).
    number = item.get("numFactureTiers") if isinstance(item, dict) else None
    if isinstance(number, str) and number:
        db.execute(
            "INSERT INTO submissions (client_id, num_facture, received_at, demande_id, errors) "
            "VALUES (?, ?, ?, ?, ?)",
            (org, number, clock.to_text(now), demande_id, json.dumps(errors)),
        )


# --- business rules (each returns the errors it finds) ---------------------------------------


def _lines(context: Context) -> list[dict[str, Any]]:
    return context.item["inputPrestations"]


def _amounts(context: Context) -> list[tuple[str, Any]]:
    """Return every (field, value) amount of the invoice and its lines."""
    item = context.item
    found = [(name, item.get(name)) for name in ("mntFactureTTC", "mntFactureHT", "mntAcompte")]
    for line in _lines(context):
        found.extend((name, line[name]) for name in DECIMAL_PLACES if name in line)
    return [(name, Decimal(value)) for name, value in found if value is not None]


def _negative_values(context: Context) -> list[dict]:
    negative = sorted({name for name, value in _amounts(context) if value < 0})
    return [error("ERR_VALEUR_NEGATIVE", name) for name in negative]


def _decimal_places(context: Context) -> list[dict]:
    too_precise = sorted(
        {name for name, value in _amounts(context) if _places(value) > DECIMAL_PLACES[name]}
    )
    return [error("ERR_FORMAT_VALEUR", name) for name in too_precise]


def _places(value: Decimal) -> int:
    return max(0, -int(value.normalize().as_tuple().exponent))


def _line_amounts(context: Context) -> list[dict]:
    problems = []
    tolerance = CENT * LINE_TTC_TOLERANCE_CENTS
    for index, line in enumerate(_lines(context)):
        ttc = Decimal(line["mntPrestationTTC"])
        if Decimal(line["mntPrestationHT"]) + Decimal(line["mntPrestationTVA"]) != ttc:
            problems.append(error("ERR_MNT_PREST_HT_TVA", f"inputPrestations[{index}]"))
        if abs(Decimal(line["quantite"]) * Decimal(line["mntUnitaireTTC"]) - ttc) >= tolerance:
            problems.append(error("ERR_MNT_PREST_TTC", f"inputPrestations[{index}]"))
    return problems


def _natures(context: Context) -> list[dict]:
    problems = []
    for index, line in enumerate(_lines(context)):
        where = f"inputPrestations[{index}]"
        if line["codeNature"] not in NATURE_CODES:
            problems.append(error("ERR_CODE_NATURE", f"{where}.codeNature"))
        activity = line.get("codeActivite")
        if not activity:
            continue
        match = re.fullmatch(ACTIVITY_CODE_PATTERN, activity)
        if match is None or match["nature"] not in NATURE_CODES:
            problems.append(error("ERR_CODE_ACTIVITE", f"{where}.codeActivite"))
        elif match["nature"] != line["codeNature"]:
            problems.append(error("ERR_CODE_ACTIVITE_NATURE", f"{where}.codeActivite"))
    return problems


def _worker_number(context: Context) -> list[dict]:
    if not REQUIRE_WORKER_NUMBER:
        return []
    problems = []
    for index, line in enumerate(_lines(context)):
        number = line.get("complement2")
        where = f"inputPrestations[{index}].complement2"
        if not number:
            problems.append(error("ERR_NUMINTERVENANT_MANQUANT", where))
        elif not re.fullmatch(WORKER_NUMBER_PATTERN, number):
            problems.append(error("ERR_FORMAT_NUMINTERVENANT", where))
    return problems


def _totals(context: Context) -> list[dict]:
    lines_total = sum((Decimal(line["mntPrestationTTC"]) for line in _lines(context)), Decimal(0))
    if lines_total != Decimal(context.item["mntFactureTTC"]):
        return [error("ERR_TOTAL_PRESTATIONS", "mntFactureTTC")]
    return []


def _deposit(context: Context) -> list[dict]:
    deposit = context.item.get("mntAcompte")
    total = Decimal(context.item["mntFactureTTC"])
    if deposit is not None and Decimal(deposit) > total * Decimal(MAX_DEPOSIT_SHARE):
        return [error("ERR_MONTANT_ACOMPTE", "mntAcompte")]
    return []


def _period(context: Context) -> list[dict]:
    start = parse_date(context.item["dateDebutEmploi"])
    end = parse_date(context.item["dateFinEmploi"])
    problems = []
    if end < start:
        problems.append(error("ERR_DATE_FIN_AVANT_DATE_DEB", "dateFinEmploi"))
    if (start.year, start.month) != (end.year, end.month):
        problems.append(error("ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE", "dateFinEmploi"))
    # To the minute, not the day (API.md §0.2): a moment later this day is still the future.
    latest = max(
        clock.parse_api(context.item[name]) for name in ("dateDebutEmploi", "dateFinEmploi")
    )
    if clock.floor_minute(latest) > clock.floor_minute(context.now):
        problems.append(error("ERR_DATE_FUTUR", "dateFinEmploi"))
    return problems


def _client(context: Context) -> list[dict]:
    item, db = context.item, context.db
    row = db.execute(
        "SELECT p.*, l.registered_at, l.activated_at, l.client_id FROM particuliers p "
        "JOIN links l ON l.id_client = p.id_client WHERE p.id_client = ? AND l.client_id = ?",
        (item["idClient"], context.org),
    ).fetchone()
    born = row and json.loads(row["data"])["dateNaissance"][:10]
    if row is None or born != parse_date(item["dateNaissanceClient"]).isoformat():
        return [error("ERR_PARTICULIER_INCONNU", "idClient")]
    code, _ = particulier.link_status(db, row, context.now)
    if code == "PARTICULIER_BLOQUE":
        return [error("ERR_CMPT_BLOQUE", "idClient")]
    if code == "MANDAT_ECHU":
        return [error("ERR_MANDAT_ECHU", "idClient")]
    if code != "APPAREILLAGE_VALIDE":
        # "idClient non reconnu ... (or client not yet validated)" (API.md §6).
        return [error("ERR_PARTICULIER_INCONNU", "idClient")]
    # The link counts from the activation minute (API.md §0.2): a service of the activation
    # day sent as T00:00:00Z predates it.
    activated = clock.floor_minute(clock.from_text(row["activated_at"]))
    if clock.parse_api(item["dateDebutEmploi"]) < activated:
        return [error("ERR_LIEN_PARTICULIER_PRESTATAIRE", "dateDebutEmploi")]
    return []


def _duplicate(context: Context) -> list[dict]:
    number = context.item["numFactureTiers"]
    known = context.db.execute(
        "SELECT 1 FROM demandes WHERE client_id = ? AND num_facture = ?", (context.org, number)
    ).fetchone()
    if known:
        return [error("ERR_FACTURE_DOUBLON", "numFactureTiers")]
    return []


ITEM_RULES = (
    _negative_values,
    _decimal_places,
    _line_amounts,
    _natures,
    _worker_number,
    _totals,
    _deposit,
    _period,
    _client,
    _duplicate,
)


# --- POST /demandePaiement/rechercher ---------------------------------------------------------


def search(db: sqlite3.Connection, org: str, body: Any, now: datetime) -> tuple[int, Any]:
    """Find the organisation's requests by ids, else invoice numbers, else invoice dates."""
    if not isinstance(body, dict):
        return HTTPStatus.BAD_REQUEST, [validation_error("inputRecherche", "un objet attendu")]
    problems = _search_problems(body)
    if problems:
        return HTTPStatus.BAD_REQUEST, problems
    ids, numbers = body.get("idDemandePaiements") or [], body.get("numFactureTiers") or []
    start, end = body.get("dateDebut"), body.get("dateFin")
    base = "SELECT * FROM demandes WHERE client_id = ?"
    if ids:
        rows = _select_in(db, base, org, "id", ids)
    elif numbers:
        rows = _select_in(db, base, org, "num_facture", numbers)
    elif start or end:
        rows = _select_period(db, base, org, start and parse_date(start), end and parse_date(end))
        if len(rows) > MAX_SEARCH_RESULTS:
            return HTTPStatus.BAD_REQUEST, [error("ERR_NBRE_MAX_RESULTAT")]
    else:
        return HTTPStatus.BAD_REQUEST, [error("ERR_CRITERE_RECHERCHE_VIDE")]
    if not rows:
        return HTTPStatus.BAD_REQUEST, [error("ERR_RECHERCHE_VIDE")]
    return HTTPStatus.OK, {"infoDemandePaiements": [lifecycle.describe(db, r, now) for r in rows]}


def _search_problems(body: dict) -> list[dict]:
    problems = []
    for name in ("idDemandePaiements", "numFactureTiers"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(validation_error(name, "une liste de chaînes est attendue"))
        elif len(value) > MAX_SEARCH_KEYS:
            problems.append(validation_error(name, f"{MAX_SEARCH_KEYS} éléments au maximum"))
    for name in ("dateDebut", "dateFin"):
        value = body.get(name)
        valid = isinstance(value, str) and re.fullmatch(SEARCH_DATE_PATTERN, value)
        if value is not None and not valid:
            problems.append(validation_error(name, "doit être une date AAAA-MM-JJTHH:MM:SS[Z]"))
    return problems


def _select_in(
    db: sqlite3.Connection, base: str, org: str, column: str, values: list[str]
) -> list[sqlite3.Row]:
    marks = ", ".join("?" for _ in values)
    query = f"{base} AND {column} IN ({marks}) ORDER BY created_at, rowid"
    return db.execute(query, [org, *values]).fetchall()


def _select_period(
    db: sqlite3.Connection, base: str, org: str, start: date | None, end: date | None
) -> list[sqlite3.Row]:
    query = f"{base} AND invoice_date >= ? AND invoice_date <= ? ORDER BY created_at, rowid"
    low, high = (start or date.min).isoformat(), (end or date.max).isoformat()
    return db.execute(query, [org, low, high]).fetchall()
