"""POST /particulier (register a client) and GET /particulier (the link's status)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from http import HTTPStatus
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from . import clock, identity, lifecycle
from .constants import (
    ACTIVATION_DESCRIPTION_FORMAT,
    ACTIVATION_LINK_VALIDITY,
    BLOCK_AFTER_REFUSED_DEBIT,
    GET_PARTICULIER_AS_LIST,
    LINK_STATE,
    LINK_STATE_OTHERWISE,
    REGISTRATION_SUCCESS_STATUS,
    REREGISTRATION_BEHAVIOUR,
    STREET_LETTERS,
    STREET_TYPES,
    URSSAF_TZ,
    VALIDATION_ERROR_PREFIX,
)
from .errors import error, validation_error
from .nomenclature import PaymentStatus
from .schema import PARTICULIER, parse_date, validate
from .web import HttpError

FRANCE = identity.FRANCE
DIRECTORY_ERRORS = {
    "no_tax_return": "ERR_DGFIP_IMPOTPART_INCONNU",
    "duplicate_civil_status": "ERR_ECV_PARTICULIERS_EXISTENT",
}


def register(db: sqlite3.Connection, org: str, body: Any, now: datetime) -> tuple[int, Any]:
    """Validate a registration and create or reuse the person and the link; return the answer."""
    errors = validate(body, PARTICULIER, VALIDATION_ERROR_PREFIX)
    if not errors:
        errors = [problem for rule in BUSINESS_RULES for problem in rule(body, now)]
    if errors:
        return HTTPStatus.BAD_REQUEST, errors
    taxpayer = identity.find_taxpayer(db, body)
    if taxpayer is None:
        return HTTPStatus.BAD_REQUEST, [error("ERR_DGFIP_R2P_INCONNU")]
    if taxpayer["situation"] in DIRECTORY_ERRORS:
        return HTTPStatus.BAD_REQUEST, [error(DIRECTORY_ERRORS[taxpayer["situation"]])]
    key = taxpayer["identity_key"]
    if _contact_taken_by_someone_else(db, body, key):
        return HTTPStatus.BAD_REQUEST, [error("ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE")]
    person = db.execute("SELECT * FROM particuliers WHERE identity_key = ?", (key,)).fetchone()
    if person is None:
        id_client = _create_person(db, body, key, now)
    else:
        problem = _reuse_person(db, org, person, body, now)
        if problem:
            return HTTPStatus.BAD_REQUEST, [problem]
        id_client = person["id_client"]
        if _live_link(db, org, id_client, now):
            return REGISTRATION_SUCCESS_STATUS, {"idClient": id_client}
    db.execute(
        "INSERT INTO links (client_id, id_client, registered_at) VALUES (?, ?, ?) "
        "ON CONFLICT (client_id, id_client) DO UPDATE "
        "SET registered_at = excluded.registered_at, activated_at = NULL",
        (org, id_client, clock.to_text(now)),
    )
    return REGISTRATION_SUCCESS_STATUS, {"idClient": id_client}


def _create_person(db: sqlite3.Connection, body: dict, key: str, now: datetime) -> str:
    id_client = str(uuid.uuid4())
    db.execute(
        "INSERT INTO particuliers (id_client, identity_key, email, phone, data, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (id_client, key, *_contact(body), json.dumps(body), clock.to_text(now)),
    )
    return id_client


def _reuse_person(
    db: sqlite3.Connection, org: str, person: sqlite3.Row, body: dict, now: datetime
) -> dict | None:
    """Return the error for registering a known person again, or None to go on."""
    if is_blocked(db, person["id_client"], now):
        return error("ERR_COMPTE_BLOQUE")
    if _live_link(db, org, person["id_client"], now) and REREGISTRATION_BEHAVIOUR == "error":
        return error("ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE")
    ever_active = db.execute(
        "SELECT 1 FROM links WHERE id_client = ? AND activated_at IS NOT NULL",
        (person["id_client"],),
    ).fetchone()
    if ever_active and _contact(body) != (person["email"], person["phone"]):
        # The person owns an activated account: its contact details are theirs to change.
        return error("ERR_CONTACT", "adresseMail, numeroTelephonePortable")
    db.execute(
        "UPDATE particuliers SET email = ?, phone = ?, data = ? WHERE id_client = ?",
        (*_contact(body), json.dumps(body), person["id_client"]),
    )
    return None


def _live_link(db: sqlite3.Connection, org: str, id_client: str, now: datetime) -> bool:
    link = _link(db, org, id_client)
    return link is not None and link_status(db, link, now)[0] != "APPAREILLAGE_NF"


def _contact(body: dict) -> tuple[str, str]:
    return body["adresseMail"].lower(), body["numeroTelephonePortable"]


def _contact_taken_by_someone_else(db: sqlite3.Connection, body: dict, key: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM particuliers WHERE email = ? AND phone = ? AND identity_key != ?",
        (*_contact(body), key),
    ).fetchone()
    return row is not None


def _link(db: sqlite3.Connection, org: str, id_client: str) -> sqlite3.Row | None:
    return db.execute(
        "SELECT * FROM links WHERE client_id = ? AND id_client = ?", (org, id_client)
    ).fetchone()


# --- business rules beyond the schema (each returns a list of errors) -------------------------


def birth_place_rules(body: dict, now: datetime) -> list[dict]:
    """Return the errors of `lieuNaissance`: department and commune iff born in France."""
    place = body["lieuNaissance"]
    department = place.get("departementNaissance")
    commune = place.get("communeNaissance")
    problems = []
    if place["codePaysNaissance"] == FRANCE:
        if not department:
            problems.append(error("ERREUR_LIEU_NAISSANCE_DEPT", "lieuNaissance"))
        if not commune:
            problems.append(error("ERR_LIEU_NAISSANCE_COMN", "lieuNaissance"))
        elif not commune.get("libelleCommune"):
            problems.append(error("ERR_LIEU_NAISSANCE_OBLIGATOIRE", "lieuNaissance"))
    elif department or commune:
        problems.append(error("ERREUR_LIEU_NAISSANCE_PAYS", "lieuNaissance"))
    if commune and ";" in commune.get("libelleCommune", ""):
        problems.append(error("ERREUR_LIEU_NAISSANCE_INVALIDE", "lieuNaissance"))
    return problems


def _birth_date_rules(body: dict, now: datetime) -> list[dict]:
    if parse_date(body["dateNaissance"]) > clock.local_date(now):
        return [error("ERR_DATE_NAISSANCE_FUTUR", "dateNaissance")]
    return []


def _street_rules(body: dict, now: datetime) -> list[dict]:
    address = body["adressePostale"]
    street_type, street_name = address.get("codeTypeVoie"), address.get("libelleVoie")
    problems = []
    if street_name and not street_type:
        problems.append(error("ERR_CONTACT_ADRESSE_TYPEVOIE", "adressePostale.codeTypeVoie"))
    if street_type and not street_name:
        problems.append(error("ERR_CONTACT_ADRESSE_LIBELLEVOIE", "adressePostale.libelleVoie"))
    if street_type and street_type.upper() not in STREET_TYPES:
        problems.append(error("ERR_CONTACT_ADRESSE_TYPE_VOIE", "adressePostale.codeTypeVoie"))
    if address.get("lettreVoie") and address["lettreVoie"].upper() not in STREET_LETTERS:
        problems.append(error("ERR_CONTACT_ADRESSE_LETTRE_VOIE", "adressePostale.lettreVoie"))
    # A half-given street already has its own error above; this one is for "nothing at all".
    if not (street_type or street_name or address.get("complement") or address.get("lieuDit")):
        problems.append(error("ERR_CONTACT_ADRESSE_INFORMATION_SUPPLEMENTAIRE", "adressePostale"))
    return problems


def _bank_rules(body: dict, now: datetime) -> list[dict]:
    bank = body["coordonneeBancaire"]
    problems = []
    for name, kind in (("iban", IBAN), ("bic", BIC)):
        try:
            kind(bank[name])
        except SchwiftyException:
            problems.append(error("ERR_COORDONNEES_BANCAIRES", f"coordonneeBancaire.{name}"))
    return problems


BUSINESS_RULES = (
    birth_place_rules,
    _birth_date_rules,
    _street_rules,
    _bank_rules,
)


# --- GET /particulier -------------------------------------------------------------------------


def lookup(db: sqlite3.Connection, org: str, params: dict, now: datetime) -> tuple[int, Any]:
    """Return the status of the organisation's link with a client found by id and/or e-mail."""
    id_client, email = params.get("idClient"), params.get("adresseMail")
    if not id_client and not email:
        problem = validation_error("idClient", "idClient ou adresseMail est requis")
        return HTTPStatus.BAD_REQUEST, [problem]
    query = (
        "SELECT p.*, l.registered_at, l.activated_at, l.client_id FROM particuliers p "
        "JOIN links l ON l.id_client = p.id_client WHERE l.client_id = ?"
    )
    args: list[str] = [org]
    if id_client:
        query, args = query + " AND p.id_client = ?", [*args, id_client]
    if email:
        query, args = query + " AND p.email = ?", [*args, email.lower()]
    row = db.execute(query, args).fetchone()
    if row is None:
        return HTTPStatus.BAD_REQUEST, [error("ERR_RECHERCHE_PARTICULIER")]
    result = describe_person(db, row, now)
    return HTTPStatus.OK, [result] if GET_PARTICULIER_AS_LIST else result


def describe_person(db: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> dict[str, Any]:
    """Return the GET /particulier answer for a person joined with one of their links."""
    data = json.loads(row["data"])
    code, description = link_status(db, row, now)
    return {
        "idClient": row["id_client"],
        "nomNaissance": data["nomNaissance"],
        "nomUsage": data.get("nomUsage", ""),
        "prenoms": data["prenoms"],
        "adresseMail": data["adresseMail"],
        "dateNaissance": data["dateNaissance"],
        "statut": {
            "code": code,
            "etat": LINK_STATE.get(code, LINK_STATE_OTHERWISE),
            "description": description,
        },
    }


def list_links(db: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    """Return every person-organisation link, newest first, as the console lists them."""
    rows = db.execute(
        "SELECT p.*, l.registered_at, l.activated_at, l.client_id FROM particuliers p "
        "JOIN links l ON l.id_client = p.id_client ORDER BY l.registered_at DESC"
    ).fetchall()
    return [
        {
            **describe_person(db, row, now),
            "organisation": row["client_id"],
            "registeredAt": clock.to_api(clock.from_text(row["registered_at"])),
        }
        for row in rows
    ]


def link_status(db: sqlite3.Connection, link: sqlite3.Row, now: datetime) -> tuple[str, str]:
    """Return `(statut.code, statut.description)` of a link at `now`."""
    activated = link["activated_at"] and clock.from_text(link["activated_at"])
    if activated and activated <= now:
        if is_blocked(db, link["id_client"], now):
            return "PARTICULIER_BLOQUE", "Compte bloqué suite à un refus de prélèvement"
        if expired := mandate_expired_at(db, link["id_client"], now):
            day = expired.astimezone(URSSAF_TZ).strftime("%d/%m/%Y")
            return "MANDAT_ECHU", f"Mandat de prélèvement SEPA échu le {day}"
        local = activated.astimezone(URSSAF_TZ)
        return "APPAREILLAGE_VALIDE", local.strftime(ACTIVATION_DESCRIPTION_FORMAT)
    if now > clock.from_text(link["registered_at"]) + ACTIVATION_LINK_VALIDITY:
        return "APPAREILLAGE_NF", "Le particulier n'a pas activé son compte dans les délais"
    return "APPAREILLAGE_EC", "En attente de l'activation du compte par le particulier"


def mandate_expired_at(db: sqlite3.Connection, id_client: str, now: datetime) -> datetime | None:
    """When the person's SEPA mandate expired, if it has by `now` (and was not renewed)."""
    row = db.execute(
        "SELECT expired_at FROM expired_mandates WHERE id_client = ?", (id_client,)
    ).fetchone()
    expired = row and clock.from_text(row["expired_at"])
    return expired if expired and expired <= now else None


def set_mandate(db: sqlite3.Connection, id_client: str, now: datetime, *, expired: bool) -> dict:
    """Expire the person's SEPA mandate at `now`, or renew it; return their GET answer.

    Raise HttpError 404 for an idClient no organisation registered.
    """
    person = db.execute(
        "SELECT p.*, l.registered_at, l.activated_at, l.client_id FROM particuliers p "
        "JOIN links l ON l.id_client = p.id_client WHERE p.id_client = ? "
        "ORDER BY l.registered_at LIMIT 1",
        (id_client,),
    ).fetchone()
    if person is None:
        raise HttpError(HTTPStatus.NOT_FOUND, {"error": "unknown idClient"})
    if expired:
        db.execute(
            "INSERT OR REPLACE INTO expired_mandates (id_client, expired_at) VALUES (?, ?)",
            (id_client, clock.to_text(now)),
        )
    else:
        db.execute("DELETE FROM expired_mandates WHERE id_client = ?", (id_client,))
    return describe_person(db, person, now)


def is_blocked(db: sqlite3.Connection, id_client: str, now: datetime) -> bool:
    """Tell whether a refused debit of the last 4 weeks still leaves a request unpaid."""
    since = clock.to_text(now - BLOCK_AFTER_REFUSED_DEBIT)
    rows = db.execute(
        "SELECT DISTINCT d.* FROM demandes d JOIN events e ON e.demande_id = d.id "
        "WHERE d.id_client = ? AND e.action = 'refuse-debit' AND e.at > ? AND e.at <= ?",
        (id_client, since, clock.to_text(now)),
    ).fetchall()
    return any(
        lifecycle.snapshot(db, row, now).status == PaymentStatus.DEBIT_REFUSED for row in rows
    )


def activate(db: sqlite3.Connection, id_client: str, org: str | None, now: datetime) -> dict:
    """Activate the person's pending links (one organisation's only, if given).

    Return the GET /particulier answer of the first link; raise HttpError 404 or 409.
    """
    query, args = "SELECT * FROM links WHERE id_client = ?", [id_client]
    if org:
        query, args = query + " AND client_id = ?", [*args, org]
    links = db.execute(query, args).fetchall()
    if not links:
        raise HttpError(HTTPStatus.NOT_FOUND, {"error": "unknown idClient"})
    pending = [link for link in links if link_status(db, link, now)[0] == "APPAREILLAGE_EC"]
    if not pending and all(link_status(db, link, now)[0] == "APPAREILLAGE_NF" for link in links):
        raise HttpError(HTTPStatus.CONFLICT, {"error": "the activation link has expired"})
    for link in pending:
        db.execute(
            "UPDATE links SET activated_at = ? WHERE client_id = ? AND id_client = ?",
            (clock.to_text(now), link["client_id"], id_client),
        )
    row = db.execute(
        "SELECT p.*, l.registered_at, l.activated_at, l.client_id FROM particuliers p "
        "JOIN links l ON l.id_client = p.id_client WHERE p.id_client = ? AND l.client_id = ?",
        (id_client, links[0]["client_id"]),
    ).fetchone()
    return describe_person(db, row, now)
