"""Checks run on an invoice before it is sent to URSSAF, each with a French message.

They mirror URSSAF's own rules (shared/urssaf/API.md §5.1, §6) so a provider learns what is
wrong while issuing, instead of a day later through a refusal. The business rules (one month,
activation, future, deposit, hours per intervention…) are invoices.rules' table, the one the
drafts are checked with; this module adds what only the payload needs (idClient, nature codes,
decimals and sums, the worker's SIRET). Pure functions over the invoice, its lines, the client
and the provider: nothing is read from or written to the DB, except the dated limits the
caller passes.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from clients.models import Client, Provider
from invoices import rules
from invoices.models import Invoice, InvoiceLine, round_cents

# complement2 carries the worker's identification; CAERP sends "SIR" + the SIRET (API.md
# §5.1: newer API versions seem to require it, which field is validated is unconfirmed).
WORKER_ID_PREFIX = "SIR"
WORKER_ID_PATTERN = re.compile(r"^SIR\d{14}$")
AMOUNT_PLACES = 2  # ERR_FORMAT_VALEUR
UNIT_PRICE_PLACES = 3  # mntUnitaireTTC accepts a third decimal


def worker_identification(provider) -> str:
    """Return what the request carries in `complement2` to identify the worker."""
    return f"{WORKER_ID_PREFIX}{provider.siret}"


@dataclass(frozen=True)
class Subject:
    """What the checks look at: the invoice as it will be sent, and who it is for."""

    invoice: Invoice
    lines: list[InvoiceLine]
    client: Client
    provider: Provider


def check(
    *,
    invoice: Invoice,
    lines,
    client,
    provider,
    now: datetime,
    limits: Mapping[int, rules.NatureLimit] | None = None,
) -> list[str]:
    """Return every reason URSSAF would refuse this invoice, in French; empty when it may go.

    `limits` are the natures' dated limits (invoices.rules.limits_on); without them, the
    natures' own fields.
    """
    subject = Subject(invoice, list(lines), client, provider)
    found = [problem for rule in PAYLOAD_RULES[:2] for problem in rule(subject)]
    if subject.lines:
        found += [
            message
            for _, message in rules.problems(_business(subject, now, limits), rules.Stage.SEND)
        ]
    return found + [problem for rule in PAYLOAD_RULES[2:] for problem in rule(subject)]


def _business(s: Subject, now: datetime, limits) -> rules.Subject:
    """The subject of the shared rule table, for an invoice sent under the avance immédiate."""
    return rules.Subject(
        is_invoice=True,
        client=s.client,
        period_start=s.invoice.period_start,
        period_end=s.invoice.period_end,
        lines=s.lines,
        now=now,
        deposit_amount=s.invoice.deposit_amount,
        total_ttc=s.invoice.total_ttc,
        replaces=s.invoice.replaces if s.invoice.replaces_id else None,
        limits=limits,
    )


_euros = rules.euros


def _places(value: Decimal) -> int:
    return max(0, -int(value.normalize().as_tuple().exponent))


# --- the rules (each returns its French messages) ---------------------------------------------


def _client_known(s: Subject) -> list[str]:
    problems = []
    if not s.client.urssaf_id_client:
        problems.append("le client n'a pas d'identifiant URSSAF (idClient).")
    if not s.client.has_active_ai or s.client.ai_activated_on is None:
        problems.append("l'avance immédiate du client n'est pas active.")
    return problems


def _has_lines(s: Subject) -> list[str]:
    return [] if s.lines else ["la facture doit comporter au moins une ligne."]


def _natures(s: Subject) -> list[str]:
    return [
        f"ligne {index} : la nature « {line.nature} » n'a pas de code nature URSSAF."
        for index, line in enumerate(s.lines, start=1)
        if not line.nature.urssaf_code_nature
    ]


def _line_amounts(s: Subject) -> list[str]:
    problems = []
    for index, line in enumerate(s.lines, start=1):
        amounts = (line.total_ht, line.total_tva, line.total_ttc, line.quantity)
        if any(value < 0 for value in (*amounts, line.unit_price_ttc)):
            problems.append(f"ligne {index} : un montant est négatif.")
        if any(_places(value) > AMOUNT_PLACES for value in amounts):
            problems.append(f"ligne {index} : un montant a plus de deux décimales.")
        if _places(line.unit_price_ttc) > UNIT_PRICE_PLACES:
            problems.append(f"ligne {index} : le prix unitaire a plus de trois décimales.")
    return problems


def _line_sums(s: Subject) -> list[str]:
    problems = []
    for index, line in enumerate(s.lines, start=1):
        if line.total_ht + line.total_tva != line.total_ttc:
            problems.append(
                f"ligne {index} : HT ({_euros(line.total_ht)}) + TVA ({_euros(line.total_tva)}) "
                f"ne fait pas le TTC ({_euros(line.total_ttc)})."
            )
        if round_cents(line.quantity * line.unit_price_ttc) != line.total_ttc:
            problems.append(
                f"ligne {index} : quantité fois prix unitaire ne fait pas le total TTC "
                f"({_euros(line.total_ttc)}) au centime près."
            )
    return problems


def _invoice_sums(s: Subject) -> list[str]:
    invoice, problems = s.invoice, []
    if any(value < 0 or _places(value) > AMOUNT_PLACES for value in _invoice_amounts(invoice)):
        problems.append("un total de la facture est négatif ou a plus de deux décimales.")
    lines_ttc = sum((line.total_ttc for line in s.lines), Decimal("0.00"))
    lines_ht = sum((line.total_ht for line in s.lines), Decimal("0.00"))
    if lines_ttc != invoice.total_ttc:
        problems.append(
            f"la somme des lignes ({_euros(lines_ttc)}) ne fait pas le total TTC de la facture "
            f"({_euros(invoice.total_ttc)})."
        )
    if lines_ht != invoice.total_ht:
        problems.append("la somme des lignes HT ne fait pas le total HT de la facture.")
    return problems


def _invoice_amounts(invoice: Invoice) -> tuple[Decimal, ...]:
    return (invoice.total_ht, invoice.total_tva, invoice.total_ttc, invoice.deposit_amount)


def _worker(s: Subject) -> list[str]:
    if WORKER_ID_PATTERN.match(worker_identification(s.provider)):
        return []
    return [
        "l'intervenant n'a pas de SIRET valide (14 chiffres) : l'URSSAF l'exige pour "
        "identifier l'intervenant ; complétez sa fiche."
    ]


# The first two run before the shared business rules, the others after.
PAYLOAD_RULES: tuple[Callable[[Subject], list[str]], ...] = (
    _client_known,
    _has_lines,
    _natures,
    _line_amounts,
    _line_sums,
    _invoice_sums,
    _worker,
)
