"""Schema validation of request bodies, driven by field tables copied from swagger v1.30.3.

Each failure becomes an ERREUR_VALIDATION (or the field's own code) whose message reads
`champ <prefix>.<path> : <reason>`, with Bean Validation's French wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import error, validation_error

# Python's re has no \pL: [^\W\d_] is "a letter". The swagger patterns are rewritten without
# their nested quantifiers (same language, no catastrophic backtracking).
_L = r"[^\W\d_]"
NAME_PATTERN = rf"{_L}(?:(?:{_L}|['\- ])*{_L})?"
_WORD = rf"{_L}(?:['\-]*{_L})*"
FIRST_NAMES_PATTERN = rf"{_WORD}(?: {_WORD})*"
# "format: date"; URSSAF accepts a subset of ISO 8601 and the final Z "seems mandatory"
# (API.md §5.1): a plain date or a UTC datetime with Z; an offset or a naive time is refused.
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)?"
# The search accepts naive date-times too: CAERP's health check sends "2053-01-01T00:00:00" and
# gets ERR_RECHERCHE_VIDE (API.md §0.5). Payment requests keep the Z (API.md §5.1).
SEARCH_DATE_PATTERN = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z?)?"
MAX_AMOUNT = Decimal("999999999")


@dataclass(frozen=True)
class Field:
    """One member of a JSON object and its constraints."""

    name: str
    kind: str = "string"  # string | number | date | object | array
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()  # members of an object, or of each array item
    min_items: int = 0
    code: str | None = None  # a dedicated error code instead of ERREUR_VALIDATION
    missing_code: str | None = None


def validate(data: Any, fields: tuple[Field, ...], path: str) -> list[dict[str, str]]:
    """Return every schema error of the object `data` (empty when valid)."""
    if not isinstance(data, dict):
        return [validation_error(path, "un objet JSON est attendu")]
    errors: list[dict[str, str]] = []
    for spec in fields:
        errors.extend(_check(data.get(spec.name), spec, f"{path}.{spec.name}"))
    return errors


def parse_date(text: str) -> date:
    """Return the calendar date of a schema-valid date string."""
    return date.fromisoformat(text[:10])


def _check(value: Any, spec: Field, path: str) -> list[dict[str, str]]:
    if value is None or value == "":
        if spec.required:
            if spec.missing_code:
                return [error(spec.missing_code, path)]
            return [validation_error(path, "ne doit pas être nul")]
        return []
    reason = CHECKS[spec.kind](value, spec)
    if reason is None:
        return _children(value, spec, path)
    if spec.code:
        return [error(spec.code, path)]
    return [validation_error(path, reason)]


def _children(value: Any, spec: Field, path: str) -> list[dict[str, str]]:
    if spec.kind == "object":
        return validate(value, spec.fields, path)
    if spec.kind == "array" and spec.fields:
        return [
            problem
            for index, item in enumerate(value)
            for problem in validate(item, spec.fields, f"{path}[{index}]")
        ]
    return []


def _string(value: Any, spec: Field) -> str | None:
    if not isinstance(value, str):
        return "doit être une chaîne de caractères"
    low, high = spec.min_length or 0, spec.max_length
    if len(value) < low or (high is not None and len(value) > high):
        return f"la taille doit être comprise entre {low} et {high if high else 'infini'}"
    if spec.enum and value not in spec.enum:
        return f"doit valoir l'une des valeurs {', '.join(spec.enum)}"
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return "doit respecter le format attendu"
    return None


def _number(value: Any, spec: Field) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "doit être un nombre"
    if abs(value) > MAX_AMOUNT:
        return f"doit être inférieur ou égal à {MAX_AMOUNT}"
    return None


def _date(value: Any, spec: Field) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        return "doit être une date au format AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SSZ"
    try:
        parse_date(value)
    except ValueError:
        return "n'est pas une date valide"
    return None


def _object(value: Any, spec: Field) -> str | None:
    return None if isinstance(value, dict) else "un objet JSON est attendu"


def _array(value: Any, spec: Field) -> str | None:
    if not isinstance(value, list):
        return "une liste est attendue"
    if len(value) < spec.min_items:
        return f"doit contenir au moins {spec.min_items} élément(s)"
    return None


CHECKS = {"string": _string, "number": _number, "date": _date, "object": _object, "array": _array}

# --- InputParticulierDTO (API.md §3.1) --------------------------------------------------------

BIRTH_COMMUNE = (
    Field("codeCommune", required=True, min_length=3, max_length=3, pattern=r"[0-9]{3}"),
    Field("libelleCommune", min_length=1, max_length=50),
)
BIRTH_PLACE = (
    Field("codePaysNaissance", required=True, min_length=5, max_length=5, pattern=r"[0-9]{5}"),
    Field(
        "departementNaissance",
        min_length=3,
        max_length=3,
        pattern=r"[09][0-9][0-9abAB]",
        code="ERREUR_LIEU_NAISSANCE_DEPT_FORMAT",
    ),
    Field("communeNaissance", kind="object", fields=BIRTH_COMMUNE),
)
ADDRESS = (
    Field("numeroVoie", max_length=20, pattern=r"(?!0$)[0-9]{0,20}"),
    Field("lettreVoie", max_length=1),
    Field("codeTypeVoie", max_length=4, pattern=r"[0-9A-Za-z]{0,4}"),
    Field("libelleVoie", max_length=28),
    Field("complement", max_length=38),
    Field("lieuDit", max_length=38),
    Field("libelleCommune", required=True, min_length=1, max_length=50),
    Field(
        "codeCommune", required=True, min_length=5, max_length=5, pattern=r"[0-9][0-9abAB][0-9]{3}"
    ),
    Field("codePostal", required=True, min_length=5, max_length=5, pattern=r"[0-9]{5}"),
    Field("codePays", required=True, min_length=5, max_length=5, pattern=r"[0-9]{5}"),
)
BANK = (
    Field(
        "bic",
        required=True,
        min_length=8,
        max_length=11,
        pattern=r"[a-zA-Z]{6}[0-9a-zA-Z]{2}(?:[0-9a-zA-Z]{3})?",
    ),
    Field(
        "iban",
        required=True,
        min_length=18,
        max_length=38,
        pattern=r"[a-zA-Z]{2}[0-9]{2}[a-zA-Z0-9]{4}[0-9]{7}[a-zA-Z0-9]{0,16}",
    ),
    Field("titulaire", required=True, min_length=1, max_length=100),
)
IDENTITY = (
    Field("civilite", required=True, enum=("1", "2")),
    Field("nomNaissance", required=True, min_length=1, max_length=80, pattern=NAME_PATTERN),
    Field("nomUsage", max_length=80, pattern=NAME_PATTERN),
    Field("prenoms", required=True, min_length=1, max_length=80, pattern=FIRST_NAMES_PATTERN),
    Field("dateNaissance", kind="date", required=True),
    Field(
        "lieuNaissance",
        kind="object",
        required=True,
        fields=BIRTH_PLACE,
        missing_code="ERREUR_LIEU_NAISSANCE_OBLIGATOIRE",
    ),
)
PARTICULIER = (
    *IDENTITY,
    Field("numeroTelephonePortable", required=True, pattern=r"(?:0|\+33)[6-7](?:[0-9]{2}){4}"),
    Field(
        "adresseMail",
        required=True,
        pattern=(
            r"[-A-Za-z0-9_]+(?:\.[-A-Za-z0-9_]+)*@[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*\.[A-Za-z]+"
        ),
    ),
    Field("adressePostale", kind="object", required=True, fields=ADDRESS),
    Field("coordonneeBancaire", kind="object", required=True, fields=BANK),
)

# --- InputDemandePaiement (API.md §5.1) -------------------------------------------------------

LINE = (
    Field("codeNature", required=True, min_length=1),
    Field("codeActivite"),
    Field("quantite", kind="number", required=True),
    Field("unite", required=True, enum=("HEURE", "FORFAIT")),
    Field("mntUnitaireTTC", kind="number", required=True),
    Field("mntPrestationTTC", kind="number", required=True),
    Field("mntPrestationHT", kind="number", required=True),
    Field("mntPrestationTVA", kind="number", required=True),
    Field("dateDebutEmploi", kind="date"),
    Field("dateFinEmploi", kind="date"),
    Field("complement1"),
    Field("complement2"),
)
DEMANDE = (
    Field("idTiersFacturation", required=True, min_length=1),
    Field("idClient", required=True, min_length=1),
    Field("dateNaissanceClient", kind="date", required=True),
    Field("numFactureTiers", required=True, min_length=1),
    Field("dateFacture", kind="date", required=True),
    Field("dateDebutEmploi", kind="date", required=True),
    Field("dateFinEmploi", kind="date", required=True),
    Field("mntAcompte", kind="number"),
    Field("dateVersementAcompte", kind="date"),
    Field("mntFactureTTC", kind="number", required=True),
    Field("mntFactureHT", kind="number", required=True),
    Field("inputPrestations", kind="array", required=True, min_items=1, fields=LINE),
)
