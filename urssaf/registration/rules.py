"""Who may register for the avance immédiate: the checks made before any call to URSSAF.

The forms show these messages under the right field; the registration service checks the
stored client again, because a provider's bulk registration sends records nobody re-typed.
"""

import datetime as dt

from django.core.exceptions import ValidationError

from clients.communes import commune_on
from clients.models import FRANCE_INSEE_CODE, AIStatus, Client
from clients.validators import validate_bic, validate_iban
from invoices.templatetags.fr_format import date_fr

from .eligibility import excluded_aids, opening_date
from .particulier import particulier_problems

MIN_AGE = 18
# A registration starts from scratch or after a failure; an ineligible client only by the staff.
STARTABLE = (AIStatus.NOT_REGISTERED, AIStatus.FAILED)
START_REFUSED: dict[str, str] = {  # AIStatus → why a registration cannot start
    AIStatus.SENT: "Une inscription est déjà en cours d'envoi à l'URSSAF.",
    AIStatus.AWAITING_ACTIVATION: (
        "L'inscription est déjà acceptée par l'URSSAF : il reste à activer le compte."
    ),
    AIStatus.ACTIVE: "L'avance immédiate est déjà active.",
    AIStatus.INELIGIBLE: (
        "La coopérative a indiqué que l'avance immédiate n'est pas possible pour ce client : "
        "contactez-la pour en savoir plus."
    ),
}

APA_PCH = (
    "L'avance immédiate n'est pas ouverte aux bénéficiaires de l'APA ou de la PCH : vos "
    "factures restent payables comme aujourd'hui et ouvrent droit au crédit d'impôt."
)
APA_PCH_UNTIL = (
    "L'avance immédiate n'est ouverte aux bénéficiaires de l'APA ou de la PCH qu'à partir du "
    "{date} : d'ici là, vos factures restent payables comme aujourd'hui et ouvrent droit au "
    "crédit d'impôt."
)
AID_FIELDS = {"apa": "apa_beneficiary", "pch": "pch_beneficiary"}
NO_TAX_RETURN = (
    "L'avance immédiate suppose d'avoir déjà déposé au moins une déclaration de revenus. "
    "Vous pourrez vous inscrire après votre première déclaration."
)
TOO_YOUNG = "L'avance immédiate est réservée aux personnes majeures (18 ans ou plus)."
BIRTH_IN_FUTURE = "La date de naissance ne peut pas être dans le futur."
NO_BANK_DETAILS = "IBAN et BIC du compte à prélever obligatoires pour l'avance immédiate."
UNKNOWN_BIRTH_COMMUNE = "Commune de naissance inconnue à la date de naissance."
BANK_FIELDS = ("iban", "bic")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Return the age in whole years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birth_date_problem(birth_date: dt.date, today: dt.date) -> str:
    """Return why this birth date cannot register, or an empty string."""
    if birth_date > today:
        return BIRTH_IN_FUTURE
    if age_on(birth_date, today) < MIN_AGE:
        return TOO_YOUNG
    return ""


def aid_problems(*, apa: bool, pch: bool, day: dt.date) -> dict[str, str]:
    """Return, per field, why an APA or PCH beneficiary cannot register on `day` (dated rules)."""
    beneficiary = {"apa": apa, "pch": pch}
    problems = {}
    for aid in sorted(excluded_aids(day)):
        if beneficiary[aid]:
            opens = opening_date(aid, day)
            problems[AID_FIELDS[aid]] = (
                APA_PCH_UNTIL.format(date=date_fr(opens)) if opens else APA_PCH
            )
    return problems


def eligibility_errors(client: Client, today: dt.date) -> dict[str, list[str]]:
    """Return, per field, why the stored client cannot be registered (empty when it can)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    aids = aid_problems(apa=client.apa_beneficiary, pch=client.pch_beneficiary, day=today)
    if aids:
        # One message is enough for a client receiving both.
        add("apa_beneficiary", next(iter(aids.values())))
    if not client.has_filed_tax_return:
        add("has_filed_tax_return", NO_TAX_RETURN)
    if problem := birth_date_problem(client.birth_date, today):
        add("birth_date", problem)
    if client.birth_country_code == FRANCE_INSEE_CODE and (
        commune_on(client.birth_commune_code, client.birth_date) is None
    ):
        add("birth_commune_code", UNKNOWN_BIRTH_COMMUNE)
    if not (client.iban and client.bic):
        add("iban", NO_BANK_DETAILS)
    else:
        for field, validate in (("iban", validate_iban), ("bic", validate_bic)):
            try:
                validate(getattr(client, field))
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
    # What URSSAF's schema would refuse once normalised (a record written behind the forms);
    # missing bank details are already said once.
    has_bank_details = bool(client.iban and client.bic)
    for field, messages in particulier_problems(client).items():
        if field not in errors and (has_bank_details or field not in BANK_FIELDS):
            errors[field] = messages
    return errors
