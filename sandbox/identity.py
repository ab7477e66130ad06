"""The fake DGFiP directory: who exists for the tax office, and how an identity is matched.

Taxpayers are stored in URSSAF's identity shape (civilite, nomNaissance, prenoms,
dateNaissance, lieuNaissance). A registration matches one when every identity field is equal
after the normalisation URSSAF applies: case, accents and extra spaces are ignored.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from .constants import DOM_BIRTH_COMMUNE_QUIRK

FRANCE = "99100"
SITUATIONS = ("ok", "no_tax_return", "duplicate_civil_status")
PACKAGE_DIR = Path(__file__).resolve().parent
# The demo's people, read as data (never imported): seed_demo creates them in the portal and the
# fake tax office knows them, so both ends of the demo agree on who exists.
DEMO_CLIENTS_FILE = PACKAGE_DIR.parent / "clients" / "data" / "demo_clients.json"
EXTRA_TAXPAYERS_FILE = PACKAGE_DIR / "data" / "extra_taxpayers.json"


def normalise(text: str) -> str:
    """Return `text` upper-cased, without accents, with single spaces, as URSSAF compares it."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.upper().split())


def identity_key(identity: dict[str, Any]) -> str:
    """Return the comparison key of a (schema-valid) identity."""
    place = identity["lieuNaissance"]
    country = place["codePaysNaissance"]
    france = country == FRANCE
    commune = place.get("communeNaissance") or {}
    parts = (
        identity["civilite"],
        normalise(identity["nomNaissance"]),
        normalise(identity["prenoms"]),
        identity["dateNaissance"][:10],
        country,
        (place.get("departementNaissance") or "").upper() if france else "",
        commune.get("codeCommune", "") if france else "",
    )
    return "|".join(parts)


def public_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """Return only the identity members of a registration body."""
    keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
    return {key: identity[key] for key in keys if key in identity}


def urssaf_birth_place(country: str, insee_code: str, department: str, label: str) -> dict:
    """Return `lieuNaissance` for an INSEE commune code as URSSAF's directory expects it."""
    if country != FRANCE:
        return {"codePaysNaissance": country}
    code = insee_code.upper()
    if code.startswith("97"):
        commune = "0" + code[3:] if DOM_BIRTH_COMMUNE_QUIRK else code[2:]
        department = department or code[:3]
    else:
        commune = code[2:]
        department = department or "0" + code[:2]
    return {
        "codePaysNaissance": country,
        "departementNaissance": department.upper(),
        "communeNaissance": {"codeCommune": commune, "libelleCommune": label},
    }


def from_demo_client(entry: dict[str, Any]) -> dict[str, Any]:
    """Convert a portal demo client into the tax office's identity of that person.

    A "dgfip" object holds what the tax office knows differently; it wins.
    """
    known = {**entry, **{k: v for k, v in entry.get("dgfip", {}).items() if k != "note"}}
    return {
        "civilite": known["civility"],
        "nomNaissance": known["birth_name"],
        "prenoms": known["first_names"],
        "dateNaissance": known["birth_date"],
        "lieuNaissance": urssaf_birth_place(
            known["birth_country_code"],
            known.get("birth_commune_code", ""),
            known.get("birth_department", ""),
            known.get("birth_commune_label", ""),
        ),
    }


def load_seed(demo_file: Path | None, extra_file: Path | None) -> list[tuple[dict, str]]:
    """Return `(identity, situation)` for every taxpayer of the seed files that exist."""
    seed: list[tuple[dict, str]] = []
    if demo_file and demo_file.exists():
        entries = json.loads(demo_file.read_text(encoding="utf-8"))
        seed.extend((from_demo_client(entry), "ok") for entry in entries)
    if extra_file and extra_file.exists():
        entries = json.loads(extra_file.read_text(encoding="utf-8"))
        seed.extend((entry["identity"], entry["situation"]) for entry in entries)
    return seed


def seed_taxpayers(db: sqlite3.Connection, seed: list[tuple[dict, str]]) -> None:
    """Insert or refresh the seeded taxpayers, keeping those added through the control API."""
    db.execute("DELETE FROM taxpayers WHERE seeded = 1")
    for identity, situation in seed:
        add_taxpayer(db, identity, situation, seeded=True)


def add_taxpayer(
    db: sqlite3.Connection, identity: dict, situation: str = "ok", *, seeded: bool = False
) -> int:
    """Add a taxpayer to the directory; return its id."""
    cursor = db.execute(
        "INSERT INTO taxpayers (identity_key, identity, situation, seeded) VALUES (?, ?, ?, ?)",
        (identity_key(identity), json.dumps(identity), situation, int(seeded)),
    )
    return int(cursor.lastrowid or 0)


def find_taxpayer(db: sqlite3.Connection, identity: dict[str, Any]) -> sqlite3.Row | None:
    """Return the directory entry matching the identity (the latest added), or None."""
    return db.execute(
        "SELECT * FROM taxpayers WHERE identity_key = ? ORDER BY id DESC LIMIT 1",
        (identity_key(identity),),
    ).fetchone()
