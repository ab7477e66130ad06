"""Turn a client record into the `Particulier` URSSAF receives, normalised the way it wants it.

The one place that decides what is sent: the task sends it, the confirmation page shows it and
the registration attempt keeps its summary (IBAN masked).
"""

import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from clients.communes import commune_on
from clients.countries import country_label
from clients.forms import (
    BIRTH_DEPARTMENT_RE,
    EMAIL_RE,
    FIRST_NAMES_RE,
    LAST_NAME_RE,
    MOBILE_PHONE_RE,
    POSTAL_CODE_RE,
    normalize_mobile_phone,
)
from clients.models import FRANCE_INSEE_CODE, STREET_TYPES, Client
from clients.normalize import upper_ascii, upper_name
from clients.validators import mask_iban

from ..payloads import BankAccount, BirthPlace, Particulier, PostalAddress

# URSSAF's length limits (API.md §3.1), applied after normalisation. Labels are cut to fit;
# names never are (a cut name is another identity for the tax office): they are refused.
MAX_NAME = 80
MAX_BIRTH_COMMUNE_LABEL = 50
MAX_CITY_LABEL = 50
MAX_STREET_NAME = 28
MAX_COMPLEMENT = 38
MAX_HOLDER = 100
# URSSAF's other patterns (API.md §3.1), matched whole (the mobile phone, postal code, birth
# department and name patterns are the client form's). `[0-9]`: Python's `\d` takes any digit.
CIVILITY_RE = re.compile(r"[12]")
FIVE_DIGITS_RE = re.compile(r"[0-9]{5}")
THREE_DIGITS_RE = re.compile(r"[0-9]{3}")
COMMUNE_CODE_RE = re.compile(r"[0-9][0-9ABab][0-9]{3}")
STREET_NUMBER_RE = re.compile(r"(?!0$)[0-9]{1,20}")
STREET_TYPE_RE = re.compile(r"[0-9A-Za-z]{1,4}")
IBAN_RE = re.compile(r"[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]{4}[0-9]{7}[A-Za-z0-9]{0,16}")
BIC_RE = re.compile(r"[A-Za-z]{6}[0-9A-Za-z]{2}(?:[0-9A-Za-z]{3})?")
BIC_FORMAT = "6 lettres puis 2 ou 5 lettres ou chiffres, par ex. BNPAFRPPXXX"


def birth_place(client: Client) -> BirthPlace:
    """Return the birthplace with the commune's name as it was on the birth date."""
    if client.birth_country_code != FRANCE_INSEE_CODE:
        return BirthPlace.from_insee(client.birth_country_code)
    commune = commune_on(client.birth_commune_code, client.birth_date)
    label = commune.name if commune else client.birth_commune_label
    return BirthPlace.from_insee(
        FRANCE_INSEE_CODE,
        client.birth_commune_code,
        upper_ascii(label)[:MAX_BIRTH_COMMUNE_LABEL],
    )


def postal_address(client: Client) -> PostalAddress:
    """Return the client's address with URSSAF's codes and lengths."""
    return PostalAddress(
        commune_code=client.city_insee_code.upper(),
        commune_label=upper_ascii(client.city)[:MAX_CITY_LABEL],
        postal_code=client.postal_code,
        street_number=client.street_number,
        street_letter=client.street_letter,
        street_type=client.street_type,
        street_name=upper_ascii(client.street_name)[:MAX_STREET_NAME],
        complement=upper_ascii(client.address_complement)[:MAX_COMPLEMENT],
        lieu_dit=upper_ascii(client.lieu_dit)[:MAX_COMPLEMENT],
    )


def account_holder(client: Client) -> str:
    """Return the holder ("civilité, nom et prénom"), the client's own name if none was given."""
    holder = client.account_holder or (
        f"{'M.' if client.civility == '1' else 'Mme'} "
        f"{client.first_names.split(' ')[0]} {client.last_name}"
    )
    return " ".join(holder.split())[:MAX_HOLDER]


def build_particulier(client: Client) -> Particulier:
    """Return what POST /particulier will receive for `client`.

    Raises ValueError when the bank details are missing: callers check them first. Raises
    ValidationError (French messages, per client field) when URSSAF's schema would refuse a
    value even once normalised, e.g. a record written behind the forms' back.
    """
    if not (client.iban and client.bic):
        raise ValueError("The client has no bank details to register with.")
    particulier = _assemble(client)
    problems = schema_problems(particulier)
    if problems:
        raise ValidationError(problems)
    return particulier


def particulier_problems(client: Client) -> dict[str, list[str]]:
    """Return, per client field, what URSSAF's schema would refuse in the registration."""
    return schema_problems(_assemble(client))


def _assemble(client: Client) -> Particulier:
    return Particulier(
        civility=client.civility,
        birth_name=upper_name(client.birth_name),
        usage_name=upper_name(client.usage_name),
        first_names=upper_name(client.first_names),
        birth_date=client.birth_date,
        birth_place=birth_place(client),
        mobile_phone=normalize_mobile_phone(client.mobile_phone),
        email=client.email.strip().lower(),
        address=postal_address(client),
        bank=BankAccount(
            iban="".join(client.iban.split()).upper(),
            bic="".join(client.bic.split()).upper(),
            holder=account_holder(client),
        ),
    )


def schema_problems(particulier: Particulier) -> dict[str, list[str]]:
    """Return, per client field, the French reasons URSSAF's schema would refuse this payload.

    The messages never quote the values: they end up in logs, e-mails and the triage screen.
    """
    payload = particulier.to_payload()
    place, address = payload["lieuNaissance"], payload["adressePostale"]
    bank, commune = payload["coordonneeBancaire"], place.get("communeNaissance") or {}
    birthplace = "code INSEE de la commune à la naissance, ex. 69123"
    # (client field, label, value sent or None when left out, pattern, length limit, format)
    checks = (
        ("civility", "Civilité", payload["civilite"], CIVILITY_RE, 1, "Madame ou Monsieur"),
        ("birth_name", "Nom de naissance", payload["nomNaissance"], LAST_NAME_RE, MAX_NAME,
         "lettres, espaces, tirets et apostrophes, sans signe au début ni à la fin"),
        ("usage_name", "Nom d'usage", payload.get("nomUsage"), LAST_NAME_RE, MAX_NAME,
         "lettres, espaces, tirets et apostrophes, sans signe au début ni à la fin"),
        ("first_names", "Prénoms", payload["prenoms"], FIRST_NAMES_RE, MAX_NAME,
         "lettres, tirets et apostrophes, un espace entre deux prénoms"),
        ("mobile_phone", "Téléphone mobile", payload["numeroTelephonePortable"], MOBILE_PHONE_RE,
         12,
         "06 ou 07 suivi de 8 chiffres, ou +33 6/7"),
        ("email", "E-mail", payload["adresseMail"], EMAIL_RE, 254,
         "lettres, chiffres, points, tirets et « _ », pas de « + »"),
        ("birth_country_code", "Pays de naissance", place["codePaysNaissance"], FIVE_DIGITS_RE,
         5, "code INSEE du pays, 5 chiffres"),
        ("birth_commune_code", "Lieu de naissance", place.get("departementNaissance"),
         BIRTH_DEPARTMENT_RE, 3, birthplace),
        ("birth_commune_code", "Lieu de naissance", commune.get("codeCommune"), THREE_DIGITS_RE,
         3, birthplace),
        ("street_number", "Numéro de voie", address.get("numeroVoie"), STREET_NUMBER_RE, 20,
         "chiffres uniquement"),
        ("street_type", "Type de voie", address.get("codeTypeVoie"), STREET_TYPE_RE, 4,
         "un code de 1 à 4 lettres ou chiffres, ex. R"),
        ("postal_code", "Code postal", address["codePostal"], POSTAL_CODE_RE, 5, "5 chiffres"),
        ("city_insee_code", "Code INSEE de la commune", address["codeCommune"],
         COMMUNE_CODE_RE, 5, "5 caractères, ex. 69123 ou 2A004"),
        ("city", "Commune", address["libelleCommune"], None, MAX_CITY_LABEL, ""),
        ("iban", "IBAN", bank["iban"], IBAN_RE, 38,
         "2 lettres, 2 chiffres, 4 lettres ou chiffres puis au moins 7 chiffres"),
        ("bic", "BIC", bank["bic"], BIC_RE, 11, BIC_FORMAT),
        ("account_holder", "Titulaire du compte", bank["titulaire"], None, MAX_HOLDER, ""),
    )  # fmt: skip
    problems: dict[str, list[str]] = {}
    for field, label, value, pattern, limit, expected in checks:
        problem = _field_problem(label, value, pattern, limit, expected)
        if problem and problem not in problems.get(field, []):
            problems.setdefault(field, []).append(problem)
    for field, problem in _address_problems(address):
        problems.setdefault(field, []).append(problem)
    return problems


def _field_problem(label: str, value, pattern, limit: int, expected: str) -> str:
    if value is None:  # optional and left out
        return ""
    if not value:
        return f"{label} : obligatoire pour l'URSSAF."
    if len(value) > limit:
        return f"{label} : {limit} caractères au plus pour l'URSSAF."
    if pattern is not None and not pattern.fullmatch(value):
        return f"{label} : format refusé par l'URSSAF ({expected})."
    return ""


def _address_problems(address: dict[str, Any]) -> list[tuple[str, str]]:
    """URSSAF's address rules (API.md §3.1): type and name together; a street or a place."""
    street_type, street_name = address.get("codeTypeVoie"), address.get("libelleVoie")
    if street_type and not street_name:
        return [("street_name", "Libellé de la voie : obligatoire pour l'URSSAF avec un type.")]
    if street_name and not street_type:
        return [("street_type", "Type de voie : obligatoire pour l'URSSAF avec un libellé.")]
    if not (street_name or address.get("complement") or address.get("lieuDit")):
        return [
            (
                NON_FIELD_ERRORS,
                "Adresse : l'URSSAF attend une voie, un complément d'adresse ou un lieu-dit.",
            )
        ]
    return []


def summary(particulier: Particulier) -> dict[str, Any]:
    """Return the payload to keep and show: the IBAN masked, everything else as sent."""
    payload = particulier.to_payload()
    bank = payload["coordonneeBancaire"]
    payload["coordonneeBancaire"] = {**bank, "iban": mask_iban(bank["iban"])}
    return payload


def describe(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """Return a sent payload (`summary`) as French label/value rows for the confirmation page."""
    place = payload["lieuNaissance"]
    commune = place.get("communeNaissance") or {}
    address = payload["adressePostale"]
    bank = payload["coordonneeBancaire"]
    street = " ".join(
        part
        for part in (
            address.get("numeroVoie", "") + address.get("lettreVoie", ""),
            # The code URSSAF receives (R, CHE…), read in words on the page that shows it.
            STREET_TYPES.get(address.get("codeTypeVoie", ""), address.get("codeTypeVoie", "")),
            address.get("libelleVoie", ""),
        )
        if part
    )
    lines = [street, address.get("complement", ""), address.get("lieuDit", "")]
    lines.append(f"{address['codePostal']} {address['libelleCommune']} ({address['codeCommune']})")
    born_in = (
        f"{commune.get('libelleCommune', '')} — département {place['departementNaissance']}, "
        f"code commune {commune.get('codeCommune', '')}"
        if place["codePaysNaissance"] == FRANCE_INSEE_CODE
        else f"Hors de France : {country_label(place['codePaysNaissance'])} "
        f"(code pays {place['codePaysNaissance']})"
    )
    rows = [
        ("Civilité", "Monsieur" if payload["civilite"] == "1" else "Madame"),
        ("Nom de naissance", payload["nomNaissance"]),
        ("Nom d'usage", payload.get("nomUsage", "—")),
        ("Prénoms", payload["prenoms"]),
        ("Date de naissance", _french_date(payload["dateNaissance"])),
        ("Lieu de naissance", born_in),
        ("Téléphone mobile", payload["numeroTelephonePortable"]),
        ("E-mail", payload["adresseMail"]),
        ("Adresse", " / ".join(line for line in lines if line)),
        ("IBAN", bank["iban"]),
        ("BIC", bank["bic"]),
        ("Titulaire du compte", bank["titulaire"]),
    ]
    return rows


def _french_date(value: str) -> str:
    year, month, day = value[:10].split("-")
    return f"{day}/{month}/{year}"
