"""Validators for French identifiers used across the portal."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siren(value: str) -> None:
    if not (len(value) == 9 and value.isdigit() and _luhn_ok(value)):
        raise ValidationError("Numéro SIREN invalide (9 chiffres, clé de contrôle).")


def vat_number_for(siren: str) -> str:
    """The French intra-community VAT number of a SIREN: FR, a two-digit key, the SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def validate_vat_number(value: str) -> None:
    if not (len(value) == 13 and value.startswith("FR") and value[4:].isdigit()):
        raise ValidationError(
            "Numéro de TVA intracommunautaire invalide : "
            "FR, une clé de 2 caractères, puis le SIREN."
        )
    if value[2:4].isdigit() and value != vat_number_for(value[4:]):
        raise ValidationError(
            "La clé de ce numéro de TVA intracommunautaire ne correspond pas au SIREN."
        )


def validate_siret(value: str) -> None:
    # La Poste's SIRETs (SIREN 356000000) use a different checksum; none of our members is one.
    if not (len(value) == 14 and value.isdigit() and _luhn_ok(value)):
        raise ValidationError("Numéro SIRET invalide (14 chiffres, clé de contrôle).")


# A staff note (triage, abandon): a few paragraphs. Anything longer is an accident or abuse.
STAFF_NOTE_MAX_LENGTH = 2000


def validate_staff_note(value: str) -> None:
    if len(value) > STAFF_NOTE_MAX_LENGTH:
        raise ValidationError(
            f"Note trop longue : {STAFF_NOTE_MAX_LENGTH} caractères au plus ({len(value)} saisis)."
        )


def validate_iban(value: str) -> None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError("IBAN invalide : vérifiez le numéro de compte.") from exc


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError("BIC invalide : 8 ou 11 caractères, par ex. BNPAFRPPXXX.") from exc


def bic_of_iban(iban: str) -> str:
    """Return the BIC schwifty's bank registry knows for this IBAN, or an empty string."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return ""
    return str(bic) if bic else ""


def normalize_iban(value: str) -> str:
    return IBAN(value).compact


def mask_iban(value: str) -> str:
    """Return the IBAN with only its country code and last four characters visible."""
    compact = value.replace(" ", "")
    if len(compact) < 8:
        return "••••"
    return f"{compact[:4]} •••• •••• {compact[-4:]}"


def validate_period_free(instance: Any, message: str) -> None:
    """Refuse a validity period (`valid_from`, `valid_to`) overlapping another row of its model.

    Checked in `clean()` rather than with an exclusion constraint because the demo also runs on
    SQLite. Does nothing until the start of the period is known.
    """
    if instance.valid_from is None:
        return
    overlapping = (
        type(instance)
        ._default_manager.exclude(pk=instance.pk)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=instance.valid_from))
    )
    if instance.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=instance.valid_to)
    if overlapping.exists():
        raise ValidationError(message)
