"""The chart of accounts the exports post to: French defaults, overridden by staff in the admin.

A key names a role in the books: `sales:<VAT rate>` (or `sales:nature:<slug>`, which wins for
that nature's lines), `vat:<VAT rate>`, `receipt:<payment mode>`, and single roles (clients,
URSSAF, bank, providers…). The admin lists every key with its default, so staff only change
what their accountant asks for.
"""

from dataclasses import dataclass
from decimal import Decimal

from invoices.models import PaymentMode


@dataclass(frozen=True)
class Account:
    number: str
    label: str


DEFAULTS: dict[str, Account] = {
    "sales:20.00": Account("706120", "Prestations de services TVA 20 %"),
    "sales:10.00": Account("706110", "Prestations de services TVA 10 %"),
    "sales:5.50": Account("706105", "Prestations de services TVA 5,5 %"),
    "sales:0.00": Account("706100", "Prestations de services sans TVA"),
    "vat:20.00": Account("445712", "TVA collectée 20 %"),
    "vat:10.00": Account("445711", "TVA collectée 10 %"),
    "vat:5.50": Account("445710", "TVA collectée 5,5 %"),
    "clients": Account("411000", "Clients"),
    "urssaf": Account("467100", "URSSAF avance immédiate"),
    "bank": Account("512000", "Banque"),
    f"receipt:{PaymentMode.TRANSFER}": Account("512000", "Banque"),
    f"receipt:{PaymentMode.CHEQUE}": Account("511200", "Chèques à encaisser"),
    f"receipt:{PaymentMode.CARD}": Account("511500", "Cartes bancaires à encaisser"),
    f"receipt:{PaymentMode.DIRECT_DEBIT}": Account("512000", "Banque"),
    f"receipt:{PaymentMode.CESU}": Account("511300", "CESU à encaisser"),
    f"receipt:{PaymentMode.CESU_PREFINANCED}": Account("511400", "CESU préfinancés à encaisser"),
    f"receipt:{PaymentMode.APA_PCH}": Account("512000", "Banque"),
    f"receipt:{PaymentMode.CASH}": Account("530000", "Caisse"),
    "provider_costs": Account("604000", "Prestations des membres de la coopérative"),
    "providers": Account("401000", "Membres prestataires"),
}

DESCRIPTIONS: dict[str, str] = {
    "clients": "Clients (compte collectif)",
    "urssaf": "URSSAF : avance immédiate à recevoir",
    "bank": "Banque : virements de l'URSSAF et aux prestataires",
    "provider_costs": "Charge : ce qui revient aux prestataires",
    "providers": "Prestataires : ce que la coopérative leur doit",
}


def rate_key(rate: Decimal) -> str:
    return f"{Decimal(rate).quantize(Decimal('0.01'))}"


def describe(key: str) -> str:
    """A French sentence for a key, for the admin."""
    role, _, rest = key.partition(":")
    if role == "sales" and rest.startswith("nature:"):
        return f"Ventes de la nature « {rest.removeprefix('nature:')} »"
    if role == "sales":
        return f"Ventes au taux de TVA de {rest.replace('.', ',')} %"
    if role == "vat":
        return f"TVA collectée au taux de {rest.replace('.', ',')} %"
    if role == "receipt":
        return f"Encaissements : {PaymentMode(rest).label}"
    return DESCRIPTIONS.get(key, key)


class Chart:
    """The accounts in force: staff's rows over the defaults. Built once per export."""

    def __init__(self, overrides: dict[str, Account]):
        self._accounts = {**DEFAULTS, **overrides}

    def __getitem__(self, key: str) -> Account:
        return self._accounts[key]

    def sales(self, rate: Decimal, nature_slug: str) -> Account:
        return self._accounts.get(f"sales:nature:{nature_slug}") or self._by_rate("sales", rate)

    def vat(self, rate: Decimal) -> Account:
        return self._by_rate("vat", rate)

    def receipt(self, mode: str) -> Account:
        return self._accounts.get(f"receipt:{mode}", self._accounts["bank"])

    def _by_rate(self, role: str, rate: Decimal) -> Account:
        key = f"{role}:{rate_key(rate)}"
        if key not in self._accounts:
            raise KeyError(f"No account for {key}: add it in the chart of accounts")
        return self._accounts[key]
