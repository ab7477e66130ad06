"""The scripted scenarios of URSSAF's test campaign, played through urssaf/api.py.

Each scenario calls the real endpoints (the portal's one HTTP seam) and checks what came back.
The person's side (activating the account, validating or contesting a request, the bank
refusing a debit) is played by a `Console`: the sandbox's control API. Against URSSAF's own
test environment there is none: those steps are done by URSSAF's test users and the scenarios
that need them are reported "à jouer manuellement", not failed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from django.conf import settings

from .. import api
from ..exceptions import PermanentUrssafError, UrssafError
from ..payloads import (
    BankAccount,
    BirthPlace,
    Particulier,
    PaymentRequestInfo,
    PaymentRequestPayload,
    PostalAddress,
    ServiceLine,
)

DEMO_CLIENTS = Path(settings.BASE_DIR) / "clients" / "data" / "demo_clients.json"
CONTROL_PREFIX = "/__sandbox/"  # the sandbox's control API (sandbox/constants.py)
BATCH_SIZE = 4
PASSED, FAILED, MANUAL = "réussi", "échoué", "à jouer manuellement"


class Console:
    """The sandbox's control API: the person's, the bank's and the clock's side of a run."""

    def __init__(self, root_url: str, timeout: float = 10.0) -> None:
        self.root_url = root_url.rstrip("/")
        self.timeout = timeout

    def post(self, path: str, body: dict | None = None) -> Any:
        url = f"{self.root_url}{CONTROL_PREFIX}{path}"
        response = requests.post(url, json=body or {}, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def now(self) -> dt.datetime:
        response = requests.get(f"{self.root_url}{CONTROL_PREFIX}clock", timeout=self.timeout)
        response.raise_for_status()
        return dt.datetime.fromisoformat(response.json()["now"].replace("Z", "+00:00"))


@dataclass
class Scenario:
    """One scenario's outcome: its checks, and the exchanges with URSSAF it made."""

    key: str
    title: str
    checks: list[tuple[str, bool]] = field(default_factory=list)
    exchanges: list[api.Exchange] = field(default_factory=list)
    manual: str = ""
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error or any(not ok for _, ok in self.checks):
            return FAILED
        return MANUAL if self.manual else PASSED

    def expect(self, label: str, ok: bool) -> bool:
        self.checks.append((label, bool(ok)))
        return bool(ok)


class ManualStep(Exception):
    """A step only URSSAF's test users can play (no console against the real API)."""


@dataclass
class Run:
    """The state the scenarios share: the client registered, the requests sent."""

    console: Console | None
    prefix: str
    scenarios: list[Scenario] = field(default_factory=list)
    person: dict[str, Any] = field(default_factory=dict)
    id_client: str = ""
    active_since: dt.datetime | None = None
    requests: dict[str, str] = field(default_factory=dict)  # invoice number → idDemandePaiement

    def act(self, path: str, body: dict | None = None) -> Any:
        if self.console is None:
            raise ManualStep(path)
        return self.console.post(path, body)


# --- data ------------------------------------------------------------------------------------


def demo_person() -> dict[str, Any]:
    """Return the first demo client: the sandbox's fake tax office knows her."""
    return json.loads(DEMO_CLIENTS.read_text(encoding="utf-8"))[0]


def particulier(person: dict[str, Any], **changes: Any) -> Particulier:
    address = PostalAddress(
        commune_code=person["city_insee_code"],
        commune_label=person["city"].upper(),
        postal_code=person["postal_code"],
        street_number=person["street_number"],
        street_type=changes.pop("street_type", person["street_type"]),
        street_name=person["street_name"],
    )
    values = {
        "civility": person["civility"],
        "birth_name": person["birth_name"],
        "first_names": person["first_names"],
        "birth_date": dt.date.fromisoformat(person["birth_date"]),
        "birth_place": BirthPlace.from_insee(
            person["birth_country_code"],
            person["birth_commune_code"],
            person["birth_commune_label"],
        ),
        "mobile_phone": person["mobile_phone"],
        "email": person["email"],
        "address": address,
        "bank": BankAccount(
            iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder="Mme Alice Lefebvre"
        ),
    }
    return Particulier(**{**values, **changes})


def invoice(run: Run, number: str, day: dt.date, *, hours: str = "2", broken: bool = False):
    quantity, price = Decimal(hours), Decimal("25.000")
    ttc = (quantity * price).quantize(Decimal("0.01"))
    ht = (ttc / Decimal("1.10")).quantize(Decimal("0.01"))
    line = ServiceLine(
        nature_code="60",
        quantity=quantity,
        unit="HEURE",
        unit_price_ttc=price,
        total_ttc=ttc,
        total_ht=ht,
        total_tva=ttc - ht,
        start=day,
        end=day,
        complement2="SIR80000000000017",
    )
    return PaymentRequestPayload(
        id_client=run.id_client,
        client_birth_date=dt.date.fromisoformat(run.person["birth_date"]),
        invoice_number=number,
        invoice_date=day,
        period_start=day,
        period_end=day,
        total_ttc=ttc + (Decimal("1.00") if broken else 0),  # ERR_TOTAL_PRESTATIONS
        total_ht=ht,
        lines=(line,),
    )


# --- the scenarios ---------------------------------------------------------------------------


def _refused(scenario: Scenario, call: Callable[[], Any], code: str) -> None:
    try:
        call()
    except PermanentUrssafError as exc:
        scenario.expect(
            f"refus {code} (reçu : {', '.join(exc.codes) or 'aucun code'})", code in exc.codes
        )
    else:
        scenario.expect(f"refus {code} (la demande a été acceptée)", False)


def registration_accepted(run: Run, s: Scenario) -> None:
    run.id_client = api.register_client(particulier(run.person))
    s.expect("un idClient est rendu", bool(run.id_client))
    status = api.get_client_status(id_client=run.id_client)
    s.expect(f"statut APPAREILLAGE_EC avant activation (reçu : {status.code})",
             status.code == "APPAREILLAGE_EC")  # fmt: skip


def refusal(code: str, **changes: Any) -> Callable[[Run, Scenario], None]:
    def play(run: Run, s: Scenario) -> None:
        _refused(s, lambda: api.register_client(particulier(run.person, **changes)), code)

    return play


def registration_twice(run: Run, s: Scenario) -> None:
    _refused(s, lambda: api.register_client(particulier(run.person)),
             "ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE")  # fmt: skip


def activation_status(run: Run, s: Scenario) -> None:
    run.act(f"particuliers/{run.id_client}/activate")
    status = api.get_client_status(id_client=run.id_client)
    s.expect(f"statut APPAREILLAGE_VALIDE (reçu : {status.code})", status.is_active)
    run.active_since = status.active_since
    s.expect("la description donne le jour et l'heure d'activation", status.gives_activation_time)
    # Services must follow the activation: the clock moves on two days.
    run.act("clock", {"advance_seconds": 2 * 86400})


def payment_batch(run: Run, s: Scenario) -> None:
    if run.active_since is None:
        raise ManualStep("activation")
    day = run.active_since.date() + dt.timedelta(days=1)
    numbers = [f"{run.prefix}-{n}" for n in range(1, BATCH_SIZE + 1)]
    demandes = [invoice(run, number, day) for number in numbers]
    broken = f"{run.prefix}-X"
    results = api.submit_payment_requests([*demandes, invoice(run, broken, day, broken=True)])
    accepted = {r.invoice_number: r.request_id for r in results if r.accepted}
    s.expect(f"{BATCH_SIZE} demandes intégrées (statut 10)", set(accepted) == set(numbers))
    refused = [r for r in results if r.invoice_number == broken]
    codes = [e.code for r in refused for e in r.errors]
    s.expect(f"la facture fausse est refusée seule : ERR_TOTAL_PRESTATIONS (reçu : {codes})",
             "ERR_TOTAL_PRESTATIONS" in codes)  # fmt: skip
    run.requests = {number: sent for number in numbers if (sent := accepted.get(number))}


def _needs_requests(run: Run) -> None:
    # Without a console the batch waits for an activation URSSAF's testers make.
    if not run.requests and run.console is None:
        raise ManualStep("lot de demandes après activation")


def search_by_ids(run: Run, s: Scenario) -> None:
    _needs_requests(run)
    found = api.search_payment_requests(ids=list(run.requests.values()))
    s.expect("chaque demande est retrouvée par son identifiant",
             {i.request_id for i in found.items} == set(run.requests.values()))  # fmt: skip
    s.expect("statut 20 (en attente de validation)",
             all(i.status_code == "20" for i in found.items))  # fmt: skip


def search_by_numbers(run: Run, s: Scenario) -> None:
    _needs_requests(run)
    found = api.search_payment_requests(invoice_numbers=list(run.requests))
    s.expect("chaque demande est retrouvée par son numéro de facture",
             set(found.by_invoice_number()) == set(run.requests))  # fmt: skip
    nothing = api.search_payment_requests(invoice_numbers=[f"{run.prefix}-INCONNUE"])
    s.expect("un numéro inconnu ne trouve rien (ERR_RECHERCHE_VIDE)", nothing.items == ())


def _status(run: Run, number: str) -> PaymentRequestInfo | None:
    found = api.search_payment_requests(ids=[run.requests[number]]).items
    return found[0] if found else None


def _action(number_index: int, action: str, expected: str, body: dict | None = None,
            reason: str | None = None, before: tuple[str, ...] = ()):  # fmt: skip
    def play(run: Run, s: Scenario) -> None:
        if run.console is None:
            raise ManualStep(action)
        number = f"{run.prefix}-{number_index}"
        for step in before:
            run.act(f"demandes/{run.requests[number]}/{step}")
        run.act(f"demandes/{run.requests[number]}/{action}", body)
        info = _status(run, number)
        code = info.status_code if info else "—"
        s.expect(f"statut {expected} (reçu : {code})", code == expected)
        if reason:
            got = info.rejection.code if info and info.rejection else "—"
            s.expect(f"motif {reason} (reçu : {got})", got == reason)

    return play


SCENARIOS: tuple[tuple[str, str, Callable[[Run, Scenario], None]], ...] = (
    ("registration_accepted", "Inscription d'un particulier acceptée", registration_accepted),
    ("registration_unknown_identity", "Inscription refusée : identité inconnue du fisc",
     refusal("ERR_DGFIP_R2P_INCONNU", birth_name="Inconnue", first_names="Personne")),
    ("registration_invalid_format", "Inscription refusée : format invalide (téléphone)",
     refusal("ERREUR_VALIDATION", mobile_phone="0123456789")),
    ("registration_bad_bank", "Inscription refusée : IBAN invalide",
     refusal("ERR_COORDONNEES_BANCAIRES",
             bank=BankAccount(iban="FR7630006000011234567890188", bic="AGRIFRPP882",
                              holder="Mme Alice Lefebvre"))),
    ("registration_street_type", "Inscription refusée : type de voie hors liste (QUA)",
     refusal("ERR_CONTACT_ADRESSE_TYPE_VOIE", street_type="QUA")),
    ("registration_twice", "Inscription refusée : particulier déjà rattaché", registration_twice),
    ("activation_status", "Statut d'activation du compte (GET /particulier)", activation_status),
    ("payment_batch", "Lot de demandes de paiement, une refusée seule", payment_batch),
    ("search_by_ids", "Recherche par identifiants de demande", search_by_ids),
    ("search_by_invoice_numbers", "Recherche par numéros de facture", search_by_numbers),
    ("validation", "Validation par le particulier (30)", _action(1, "validate", "30")),
    ("contestation", "Contestation par le particulier (40)",
     _action(2, "contest", "40", {"code": "CONTEST_ERR_FACT", "commentaire": "Recette"},
             "CONTEST_ERR_FACT")),
    ("cancellation", "Annulation à la demande du prestataire (110)",
     _action(3, "cancel", "110", {"code": "ANNUL_ERR_MNT", "commentaire": "Recette"},
             "ANNUL_ERR_MNT")),
    ("refused_debit", "Prélèvement refusé (60), dès le statut 30",
     _action(4, "refuse-debit", "60", before=("validate",))),
)  # fmt: skip


def play(console: Console | None, prefix: str) -> list[Scenario]:
    """Play every scenario in order; return their outcomes (never raises for a scenario)."""
    run = Run(console=console, prefix=prefix, person=demo_person())
    for key, title, step in SCENARIOS:
        scenario = Scenario(key, title)
        with api.recording(scenario.exchanges.append):
            try:
                step(run, scenario)
            except ManualStep as exc:
                scenario.manual = f"Étape jouée par les utilisateurs de test de l'URSSAF ({exc})."
            except (UrssafError, requests.RequestException, KeyError, ValueError) as exc:
                scenario.error = f"{type(exc).__name__}: {exc}"
        run.scenarios.append(scenario)
    return run.scenarios
