"""A client's contact details are the client's own: never a provider's, the staff's or ours.

URSSAF asks the client to validate each payment request at the e-mail and phone the
cooperative sends: with a provider's address there, the provider would validate his own
requests. These validators sit on the client model's fields, so the provider's record form,
the avance immédiate form, the admin and every service (all run `full_clean()`) refuse them.
"""

import re

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q

EMAIL_IS_COOPERATIVES = (
    "Cette adresse e-mail est celle d'un prestataire ou de l'équipe de la coopérative. "
    "Indiquez l'adresse personnelle du client : c'est là que l'URSSAF lui demande de valider "
    "chaque facture."
)
PHONE_IS_COOPERATIVES = (
    "Ce numéro est celui d'un prestataire ou de la coopérative. Indiquez le mobile personnel "
    "du client : l'URSSAF s'en sert pour le joindre."
)


def phone_key(value: str) -> str:
    """Return the national form of a French number, whatever separators or prefix were typed."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_client_email(value: str) -> None:
    """Refuse an address that belongs to a provider, a staff member or the cooperative."""
    user_model, cooperative_model = apps.get_model("clients", "User"), _cooperative_model()
    address = (value or "").strip().lower()
    if not address:
        return
    from .models import Role  # models.py imports this module

    staff_or_provider = Q(role__in=[Role.PROVIDER, Role.STAFF]) | Q(is_staff=True)
    if (
        user_model.objects.filter(staff_or_provider, email=address).exists()
        or cooperative_model.objects.filter(email__iexact=address).exists()
    ):
        raise ValidationError(EMAIL_IS_COOPERATIVES, code="cooperative_email")


def validate_client_phone(value: str) -> None:
    """Refuse a number that is a provider's or the cooperative's (written in any form)."""
    key = phone_key(value)
    if not key:
        return
    provider_model = apps.get_model("clients", "Provider")
    numbers = [
        *provider_model.objects.exclude(phone="").values_list("phone", flat=True),
        *_cooperative_model().objects.values_list("phone", flat=True),
    ]
    if any(phone_key(number) == key for number in numbers):
        raise ValidationError(PHONE_IS_COOPERATIVES, code="cooperative_phone")


def _cooperative_model():
    return apps.get_model("clients", "Cooperative")
