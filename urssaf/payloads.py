"""Typed request and response objects of the URSSAF API, and their JSON shapes (API.md §3-§7).

Amounts are `Decimal` end to end: a float here raises instead of losing a cent. Calendar dates
travel as midnight UTC with the `Z` marker, the only form every URSSAF example uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .exceptions import UrssafErrorDetail
from .nomenclature import PAYMENT_STATUS_LABELS, ClientLinkStatus, PaymentStatus

FRANCE = "99100"
PARIS = ZoneInfo("Europe/Paris")
# URSSAF support: idTiersFacturation is required by the schema "but not meant to be filled; put
# any value" (API.md §5.1). One constant, so a real value is a one-line change.
ID_TIERS_FACTURATION_PLACEHOLDER = "cooperative"
# URSSAF support's workaround for births in overseas departments (API.md §3.1,
# `_urssaf_code_commune`): Saint-Denis 97411 is sent as department 974, commune "011".
DOM_BIRTH_COMMUNE_WORKAROUND = True
_ACTIVE_SINCE = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?")


# --- formats -------------------------------------------------------------------------------


def format_date(value: date) -> str:
    """Return a calendar date as URSSAF wants it: `YYYY-MM-DDT00:00:00Z`."""
    return f"{value.isoformat()}T00:00:00Z"


def format_datetime(value: datetime) -> str:
    """Return an aware datetime in UTC with the `Z` marker; raise ValueError if naive."""
    if value.tzinfo is None:
        raise ValueError("URSSAF datetimes must be timezone-aware.")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_moment(value: date) -> str:
    """Return a datetime (aware) to the second, a plain date as midnight UTC; both with Z."""
    return format_datetime(value) if isinstance(value, datetime) else format_date(value)


def parse_date(value: Any) -> date | None:
    """Return the calendar date of an URSSAF date or datetime string, None when empty."""
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def encode_json(payload: Any) -> bytes:
    """Serialise a payload whose amounts are Decimals into the JSON bytes URSSAF expects."""
    return json.dumps(payload, default=_json_number, ensure_ascii=False).encode("utf-8")


def _json_number(value: Any) -> float:
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    # JSON has no decimal type; a float is exact here because repr() gives back the shortest
    # string that round-trips, i.e. the original digits, for anything under 15 significant ones.
    number = float(value)
    if Decimal(repr(number)) != value.normalize():
        raise ValueError(f"{value} cannot travel as a JSON number without rounding")
    return number


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Amounts must be Decimal, never float.")
    return Decimal(value)


def _optional(**values: Any) -> dict[str, Any]:
    """Return the given keys whose value is neither None nor empty: URSSAF omits, never blanks."""
    return {key: value for key, value in values.items() if value not in (None, "")}


# --- POST /particulier -----------------------------------------------------------------------


@dataclass(frozen=True)
class BirthPlace:
    """`lieuNaissance`: department and 3-digit commune code only for a birth in France."""

    country_code: str
    department: str = ""
    commune_code: str = ""
    commune_label: str = ""

    @classmethod
    def from_insee(cls, country_code: str, commune_insee: str = "", label: str = "") -> BirthPlace:
        """Build from a 5-character INSEE commune code (69123, 2A004, 97411) as URSSAF wants it."""
        if country_code != FRANCE:
            return cls(country_code=country_code)
        code = commune_insee.upper()
        if code.startswith("97"):
            department = code[:3]
            commune = "0" + code[3:] if DOM_BIRTH_COMMUNE_WORKAROUND else code[2:]
        else:
            department, commune = "0" + code[:2], code[2:]
        return cls(country_code, department, commune, label)

    def to_payload(self) -> dict[str, Any]:
        if self.country_code != FRANCE:
            return {"codePaysNaissance": self.country_code}
        commune = {"codeCommune": self.commune_code, **_optional(libelleCommune=self.commune_label)}
        return {
            "codePaysNaissance": self.country_code,
            "departementNaissance": self.department,
            "communeNaissance": commune,
        }


@dataclass(frozen=True)
class PostalAddress:
    """`adressePostale`; give a street type and name, a complement or a lieu-dit."""

    commune_code: str
    commune_label: str
    postal_code: str
    country_code: str = FRANCE
    street_number: str = ""
    street_letter: str = ""
    street_type: str = ""
    street_name: str = ""
    complement: str = ""
    lieu_dit: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {
            **_optional(
                numeroVoie=self.street_number,
                lettreVoie=self.street_letter,
                codeTypeVoie=self.street_type,
                libelleVoie=self.street_name,
                complement=self.complement,
                lieuDit=self.lieu_dit,
            ),
            "libelleCommune": self.commune_label,
            "codeCommune": self.commune_code,
            "codePostal": self.postal_code,
            "codePays": self.country_code,
        }


@dataclass(frozen=True)
class BankAccount:
    """`coordonneeBancaire`; the IBAN stays out of repr() so it never reaches a log."""

    iban: str = field(repr=False)
    bic: str
    holder: str

    def to_payload(self) -> dict[str, Any]:
        return {"bic": self.bic, "iban": self.iban, "titulaire": self.holder}


@dataclass(frozen=True)
class Particulier:
    """The client identity, contact and bank details sent to POST /particulier."""

    civility: str  # "1" Monsieur, "2" Madame
    birth_name: str
    first_names: str
    birth_date: date
    birth_place: BirthPlace
    mobile_phone: str
    email: str
    address: PostalAddress
    bank: BankAccount
    usage_name: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {
            "civilite": self.civility,
            "nomNaissance": self.birth_name,
            **_optional(nomUsage=self.usage_name),
            "prenoms": self.first_names,
            "dateNaissance": format_date(self.birth_date),
            "lieuNaissance": self.birth_place.to_payload(),
            "numeroTelephonePortable": self.mobile_phone,
            "adresseMail": self.email,
            "adressePostale": self.address.to_payload(),
            "coordonneeBancaire": self.bank.to_payload(),
        }


# --- GET /particulier ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientStatus:
    """The link between the cooperative and a client as GET /particulier reports it."""

    id_client: str
    code: str
    state: str
    description: str
    birth_name: str = ""
    usage_name: str = ""
    first_names: str = ""
    email: str = ""
    birth_date: date | None = None

    @classmethod
    def from_payload(cls, body: Any) -> ClientStatus:
        """Build from the answer, an object or a list whose first element is the result."""
        data = body[0] if isinstance(body, list) and body else body
        if not isinstance(data, dict):
            raise ValueError("GET /particulier answered without a client object.")
        status = data.get("statut") or {}
        return cls(
            id_client=str(data.get("idClient") or ""),
            code=str(status.get("code") or ""),
            state=str(status.get("etat") or ""),
            description=str(status.get("description") or ""),
            birth_name=data.get("nomNaissance") or "",
            usage_name=data.get("nomUsage") or "",
            first_names=data.get("prenoms") or "",
            email=data.get("adresseMail") or "",
            birth_date=parse_date(data.get("dateNaissance")),
        )

    @property
    def is_active(self) -> bool:
        return self.code == ClientLinkStatus.ACTIVE

    @property
    def gives_activation_time(self) -> bool:
        """Tell whether the description carries the time of day of the activation."""
        match = _ACTIVE_SINCE.search(self.description)
        return bool(match and self.is_active and match.group(4))

    @property
    def active_since(self) -> datetime | None:
        """Return the activation moment read from the description (dd/mm/yyyy [hh:mm[:ss]]).

        URSSAF writes French local time; without a time of day, midnight is assumed.
        """
        match = _ACTIVE_SINCE.search(self.description)
        if not match or not self.is_active:
            return None
        day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


# --- POST /demandePaiement -------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLine:
    """One `inputPrestations` line; amounts to the cent, the unit price to 3 decimals."""

    nature_code: str
    quantity: Decimal
    unit: str  # "HEURE" or "FORFAIT"
    unit_price_ttc: Decimal
    total_ttc: Decimal
    total_ht: Decimal
    total_tva: Decimal
    activity_code: str = ""
    start: date | None = None
    end: date | None = None
    complement1: str = ""
    complement2: str = ""

    def __post_init__(self) -> None:
        for name in ("quantity", "unit_price_ttc", "total_ttc", "total_ht", "total_tva"):
            object.__setattr__(self, name, _amount(getattr(self, name)))

    def to_payload(self) -> dict[str, Any]:
        return {
            "codeNature": self.nature_code,
            **_optional(codeActivite=self.activity_code),
            "quantite": self.quantity,
            "unite": self.unit,
            "mntUnitaireTTC": self.unit_price_ttc,
            "mntPrestationTTC": self.total_ttc,
            "mntPrestationHT": self.total_ht,
            "mntPrestationTVA": self.total_tva,
            **_optional(
                dateDebutEmploi=self.start and format_date(self.start),
                dateFinEmploi=self.end and format_date(self.end),
                complement1=self.complement1,
                complement2=self.complement2,
            ),
        }


@dataclass(frozen=True)
class PaymentRequestPayload:
    """One invoice sent to POST /demandePaiement (`InputDemandePaiement`)."""

    id_client: str
    client_birth_date: date
    invoice_number: str
    invoice_date: date
    # Dates, or moments to the minute (the activation day starts at the activation minute,
    # API.md §0.2: see invoices.rules.employment_window).
    period_start: date
    period_end: date
    total_ttc: Decimal
    total_ht: Decimal
    lines: tuple[ServiceLine, ...]
    deposit: Decimal | None = None
    deposit_date: date | None = None
    billing_party_id: str = ID_TIERS_FACTURATION_PLACEHOLDER

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_ttc", _amount(self.total_ttc))
        object.__setattr__(self, "total_ht", _amount(self.total_ht))
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.deposit is not None:
            object.__setattr__(self, "deposit", _amount(self.deposit))

    def to_payload(self) -> dict[str, Any]:
        return {
            "idTiersFacturation": self.billing_party_id,
            "idClient": self.id_client,
            "dateNaissanceClient": format_date(self.client_birth_date),
            "numFactureTiers": self.invoice_number,
            "dateFacture": format_date(self.invoice_date),
            "dateDebutEmploi": format_moment(self.period_start),
            "dateFinEmploi": format_moment(self.period_end),
            **_optional(
                mntAcompte=self.deposit,
                dateVersementAcompte=self.deposit_date and format_date(self.deposit_date),
            ),
            "mntFactureTTC": self.total_ttc,
            "mntFactureHT": self.total_ht,
            "inputPrestations": [line.to_payload() for line in self.lines],
        }


@dataclass(frozen=True)
class SubmissionResult:
    """URSSAF's answer for one submitted invoice: an id and status "10", or its errors."""

    invoice_number: str
    id_client: str
    request_id: str | None
    status: str
    errors: tuple[UrssafErrorDetail, ...] = ()

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> SubmissionResult:
        return cls(
            invoice_number=str(data.get("numFactureTiers") or ""),
            id_client=str(data.get("idClient") or ""),
            request_id=data.get("idDemandePaiement") or None,
            status=str(data.get("statut") or ""),
            errors=tuple(UrssafErrorDetail.from_payload(e) for e in data.get("errors") or ()),
        )

    @property
    def accepted(self) -> bool:
        """Tell whether URSSAF recorded this invoice (it has an id and no error)."""
        # A rejected item may carry its first error code in `statut` (API.md §5.2).
        return not self.errors and bool(self.request_id) and not self.status.startswith("ERR")


# --- POST /demandePaiement/rechercher --------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """`infoRejet`: why the client contested or URSSAF cancelled (code from API.md §8.2)."""

    code: str
    comment: str = ""


@dataclass(frozen=True)
class Transfer:
    """`infoVirement`: the amount is None while the transfer is only scheduled."""

    date: date | None
    amount: Decimal | None


@dataclass(frozen=True)
class PaymentRequestInfo:
    """The current state of one payment request as the status search reports it."""

    request_id: str
    invoice_number: str
    id_client: str
    status_code: str
    status_label: str
    rejection: Rejection | None = None
    transfer: Transfer | None = None
    request: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PaymentRequestInfo:
        echo = data.get("demandePaiement") or {}
        status = data.get("statut") or {}
        code = str(status.get("code") or "")
        return cls(
            request_id=str(data.get("idDemandePaiement") or ""),
            invoice_number=str(echo.get("numFactureTiers") or ""),
            id_client=str(echo.get("idClient") or ""),
            status_code=code,
            status_label=str(status.get("libelle") or PAYMENT_STATUS_LABELS.get(code, "")),
            rejection=_rejection(data.get("infoRejet")),
            transfer=_transfer(data.get("infoVirement")),
            request=echo,
        )

    @property
    def status(self) -> PaymentStatus | None:
        """Return the known status, or None for a code to surface to staff, not to guess."""
        try:
            return PaymentStatus(self.status_code)
        except ValueError:
            return None


@dataclass(frozen=True)
class SearchResult:
    """Every payment request found, plus the errors URSSAF attached to a partial answer."""

    items: tuple[PaymentRequestInfo, ...]
    errors: tuple[UrssafErrorDetail, ...] = ()

    def by_invoice_number(self) -> dict[str, PaymentRequestInfo]:
        return {item.invoice_number: item for item in self.items}


def _rejection(data: Any) -> Rejection | None:
    if not isinstance(data, dict) or not data.get("code"):
        return None
    return Rejection(code=str(data["code"]), comment=str(data.get("commentaire") or ""))


def _transfer(data: Any) -> Transfer | None:
    if not isinstance(data, dict) or not (data.get("dateVirement") or data.get("mntVirement")):
        return None
    amount = data.get("mntVirement")
    # Observed: mntVirement comes back empty while the transfer is only scheduled (API.md §7.2).
    return Transfer(
        date=parse_date(data.get("dateVirement")),
        amount=None if amount in (None, "") else Decimal(str(amount)),
    )
