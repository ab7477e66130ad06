"""The rules a quote or an invoice follows, in one table: checked when the provider drafts, and
again by urssaf.payments.preflight before a payment request leaves.

Sources: tax/RULES.md §6 (maximum hours per intervention, sub-ceilings) for every document
whatever the payment mode; shared/urssaf/API.md §5-§6 and §0.2 for the avance immédiate
(AI). Each rule is a pure function of a `Subject` returning French messages, lower-case
fragments that the caller prefixes ("Avance immédiate : …") or capitalises. The DB is read
only by `limits_on` and `spent_in_year`, which build what the subject carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from .models import CENT, Invoice, InvoiceLine, InvoiceStatus, ServiceNature, TaxRuleSet, Unit
from .templatetags.fr_format import euros

MAX_DEPOSIT_SHARE = Decimal("0.5")  # ERR_MONTANT_ACOMPTE: acompte ≤ 50 % of the invoice
ZERO = Decimal("0.00")


class Scope(enum.Enum):
    EVERY_DOCUMENT = "every quote and invoice, whatever the payment mode"
    AI_INVOICE = "an invoice of a client whose avance immédiate is active"


class Stage(enum.Enum):
    DRAFT = "draft"  # the provider saves a draft
    SEND = "send"  # the invoice is issued or its payment request leaves


@dataclass(frozen=True)
class NatureLimit:
    """A nature's dated limits: annual cap per household, hours per intervention."""

    annual_cap: Decimal | None = None
    max_hours: Decimal | None = None


@dataclass(frozen=True)
class Subject:
    """What the rules look at: a document as it will be saved or sent, and for whom.

    `lines` have a nature, service_date, unit, quantity, unit_price_ttc, totals and
    is_expense. `limits` maps a nature's pk to the limits of the tax rules in force (None
    when no rule set is: the nature's own fields then); `spent` maps it to what the client's
    other invoices of the year already carry.
    """

    is_invoice: bool
    client: object
    period_start: dt.date
    period_end: dt.date
    lines: Sequence
    now: dt.datetime
    deposit_amount: Decimal = ZERO
    total_ttc: Decimal = ZERO
    replaces: Invoice | None = None
    # An invoice to an active client that is paid directly, for a recorded reason.
    outside_ai: bool = False
    limits: Mapping[int, NatureLimit] | None = None
    spent: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def is_ai(self) -> bool:
        active = bool(getattr(self.client, "has_active_ai", False))
        return self.is_invoice and active and not self.outside_ai

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def limit(self, nature: ServiceNature) -> NatureLimit:
        if self.limits is None:
            return NatureLimit(nature.annual_ceiling, nature.max_hours_per_intervention)
        return self.limits.get(nature.pk, NatureLimit())


@dataclass(frozen=True)
class Rule:
    name: str
    scope: Scope
    check: Callable[[Subject], list[str]]
    # Some rules hold only when the invoice leaves: a draft may be prepared in advance.
    stages: frozenset[Stage] = frozenset({Stage.DRAFT, Stage.SEND})


# --- formatting -----------------------------------------------------------------------------


def fmt_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def fmt_moment(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"


def hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _month(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


# --- the moment of activation and the employment window, to the minute (API.md §0.2) ---------


def floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def ceil_minute(moment: dt.datetime) -> dt.datetime:
    floored = floor_minute(moment)
    return floored if floored == moment else floored + dt.timedelta(minutes=1)


def _utc_midnight(day: dt.date) -> dt.datetime:
    # URSSAF's calendar dates are midnight UTC with the Z marker (API.md §5.1).
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def employment_window(
    start: dt.date, end: dt.date, *, active_since: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Return (dateDebutEmploi, dateFinEmploi) of a period, as moments to the minute.

    A service on the activation day starts at the first whole minute after the activation,
    not at midnight (URSSAF refuses that with ERR_LIEN_PARTICULIER_PRESTATAIRE); the end is
    never before the start, nor after now when the start allows it (ERR_DATE_FUTUR).
    """
    begin = _utc_midnight(start)
    if active_since is not None and begin < active_since:
        begin = ceil_minute(active_since)
    finish = max(_utc_midnight(end), begin)
    current = floor_minute(now)
    if finish > current >= begin:
        finish = current
    return begin, finish


# --- rules for every quote and invoice (tax/RULES.md §6) -------------------------------------


def _dates_in_order(s: Subject) -> list[str]:
    # ERR_DATE_FIN_AVANT_DATE_DEB; the forms refuse it, an import might not.
    if s.period_end >= s.period_start:
        return []
    return [f"la fin de la période ({fmt_date(s.period_end)}) précède son début "
            f"({fmt_date(s.period_start)})."]  # fmt: skip


def _hours_per_intervention(s: Subject) -> list[str]:
    problems = []
    for index, line in enumerate(s.lines, start=1):
        limit = s.limit(line.nature).max_hours
        if limit is not None and line.unit == Unit.HOUR and line.quantity > limit:
            problems.append(
                f"ligne {index} : « {line.nature} » est limité à {hours(limit)} h par "
                f"intervention ({hours(line.quantity)} h facturées) ; une ligne par "
                "intervention."
            )
    return problems


def _expenses_with_their_activity(s: Subject) -> list[str]:
    # Travel or supplies count only as part of a service of the same nature (tax/RULES.md §1).
    served = {line.nature.pk for line in s.lines if not line.is_expense}
    return [
        f"ligne {index} : des frais de « {line.nature} » se facturent avec une prestation de "
        "cette nature sur le même document ; ajoutez-la ou retirez ces frais."
        for index, line in enumerate(s.lines, start=1)
        if line.is_expense and line.nature.pk not in served
    ]


# --- rules of the avance immédiate (API.md §5.1, §6, §0.2) -----------------------------------


def _no_discount(s: Subject) -> list[str]:
    # ERR_VALEUR_NEGATIVE; a free line is a discount in disguise: URSSAF wants the real price.
    return [
        f"ligne {index} : ni remise, ni ligne gratuite ou négative en avance immédiate ; "
        "indiquez directement le prix consenti sur la prestation."
        for index, line in enumerate(s.lines, start=1)
        if line.unit_price_ttc <= 0 or line.quantity <= 0 or line.total_ttc <= 0
    ]


def _one_month(s: Subject) -> list[str]:
    # ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE.
    if _month(s.period_start) == _month(s.period_end):
        return []
    return [
        f"la période de service (du {fmt_date(s.period_start)} au {fmt_date(s.period_end)}) "
        "doit tenir dans un seul mois civil : faites une facture par mois, et une facture à "
        "part pour corriger un mois antérieur."
    ]


def _correction_of_its_own_month(s: Subject) -> list[str]:
    replaced = s.replaces
    if replaced is None or _month(replaced.period_start) == _month(s.period_start):
        return []
    return [
        f"cette facture corrige la facture {replaced.number} des prestations de "
        f"{replaced.period_start:%m/%Y} : elle porte sur ce mois-là seulement ; facturez "
        "les autres mois à part."
    ]


def _after_activation(s: Subject) -> list[str]:
    since = getattr(s.client, "ai_active_since", None)
    if since is None:
        return []
    day = timezone.localdate(since)
    first = min([s.period_start, *(line.service_date for line in s.lines)])
    if first >= day:
        return []
    moment = fmt_moment(since) if timezone.localtime(since).time() != dt.time() else fmt_date(day)
    return [
        f"la période commence le {fmt_date(first)}, avant l'activation de l'avance "
        f"immédiate du client le {moment} : facturez à part, hors avance immédiate, les "
        "prestations antérieures."
    ]


def _not_future(s: Subject) -> list[str]:
    last = max([s.period_end, *(line.service_date for line in s.lines)])
    if last > s.today:
        return [
            f"les prestations vont jusqu'au {fmt_date(last)}, dans le futur : émettez la "
            "facture une fois les prestations faites."
        ]
    since = getattr(s.client, "ai_active_since", None)
    begin, _ = employment_window(s.period_start, s.period_end, active_since=since, now=s.now)
    if begin <= floor_minute(s.now):
        return []
    # No activation yet here means a period starting today just after midnight in Paris (UTC's
    # midnight still ahead): the moment shown is then now, as timezone.localtime(None) gave.
    moment = fmt_moment(since if since is not None else timezone.now())
    return [
        f"l'avance immédiate du client n'est active que depuis le {moment} : "
        "une prestation de ce jour part à l'URSSAF à partir de la minute suivante ; "
        "réessayez dans un instant."
    ]


def _deposit(s: Subject) -> list[str]:
    ceiling = (s.total_ttc * MAX_DEPOSIT_SHARE).quantize(CENT)
    if s.deposit_amount <= s.total_ttc * MAX_DEPOSIT_SHARE:
        return []
    return [
        f"l'acompte ({euros(s.deposit_amount)}) dépasse 50 % du total (au plus {euros(ceiling)})."
    ]


RULES: tuple[Rule, ...] = (
    Rule("dates_in_order", Scope.EVERY_DOCUMENT, _dates_in_order),
    Rule("hours_per_intervention", Scope.EVERY_DOCUMENT, _hours_per_intervention),
    Rule("expenses_with_their_activity", Scope.EVERY_DOCUMENT, _expenses_with_their_activity),
    Rule("no_discount", Scope.AI_INVOICE, _no_discount),
    Rule("one_month", Scope.AI_INVOICE, _one_month),
    Rule("correction_of_its_own_month", Scope.AI_INVOICE, _correction_of_its_own_month),
    Rule("after_activation", Scope.AI_INVOICE, _after_activation),
    Rule("not_future", Scope.AI_INVOICE, _not_future, frozenset({Stage.SEND})),
    Rule("deposit", Scope.AI_INVOICE, _deposit),
)


def applicable(subject: Subject, stage: Stage) -> list[Rule]:
    """Return the rules that hold for this subject at this stage, in table order."""
    scopes = {Scope.EVERY_DOCUMENT, *([Scope.AI_INVOICE] if subject.is_ai else [])}
    return [rule for rule in RULES if rule.scope in scopes and stage in rule.stages]


def problems(subject: Subject, stage: Stage) -> list[tuple[Rule, str]]:
    """Return each broken rule with its French message; empty when the document may go on."""
    return [
        (rule, message) for rule in applicable(subject, stage) for message in rule.check(subject)
    ]


def draft_errors(subject: Subject) -> list[str]:
    """Return the messages of the rules a draft breaks, as sentences for the provider."""
    return [
        f"Avance immédiate : {message}" if rule.scope is Scope.AI_INVOICE else _sentence(message)
        for rule, message in problems(subject, Stage.DRAFT)
    ]


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


# --- sub-ceiling notices (tax/RULES.md §1, §6): they inform, they do not block ----------------


def notices(subject: Subject) -> list[str]:
    """Return a notice per capped nature of the document: the cap, and what the client reaches."""
    found = []
    year = subject.period_start.year
    natures = {line.nature.pk: line.nature for line in subject.lines}
    for pk, nature in natures.items():
        cap = subject.limit(nature).annual_cap
        if cap is None:
            continue
        here = sum((line.total_ttc for line in subject.lines if line.nature.pk == pk), ZERO)
        reached = subject.spent.get(pk, ZERO) + here
        if reached > cap:
            found.append(
                f"« {nature} » : le crédit d'impôt retient au plus {euros(cap)} par an et par "
                f"foyer ; avec ce document, ce client atteint {euros(reached)} en {year} : la "
                "part au-delà n'ouvre pas droit au crédit d'impôt."
            )
        else:
            found.append(
                f"« {nature} » : plafond de {euros(cap)} par an et par foyer pour le crédit "
                f"d'impôt ; ce client en est à {euros(reached)} en {year} avec ce document."
            )
    return found


# --- what the subject carries, read from the DB ---------------------------------------------


def limits_on(day: dt.date) -> dict[int, NatureLimit] | None:
    """Return the natures' limits of the tax rules in force on `day` (dated configuration),
    None when no rule set is in force."""
    rule_set = (
        TaxRuleSet.objects.in_force_on(day)
        .prefetch_related("sub_ceilings")
        .order_by("-valid_from")
        .first()
    )
    if rule_set is None:
        return None
    return {
        cap.nature_id: NatureLimit(cap.annual_cap, cap.max_hours_per_intervention)
        for cap in rule_set.sub_ceilings.all()
    }


def spent_in_year(*, client, year: int, natures, excluding=None) -> dict[int, Decimal]:
    """Return, per nature, the TTC of the client's invoices of `year` issued or paid."""
    lines = InvoiceLine.objects.filter(
        invoice__client=client,
        invoice__status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID],
        invoice__period_start__year=year,
        nature__in=natures,
    )
    if excluding is not None:
        lines = lines.exclude(invoice__pk=excluding.pk)
    rows = lines.values("nature").annotate(total=Sum("total_ttc"))
    return {row["nature"]: row["total"] for row in rows}


def subject_of(document, lines, *, now: dt.datetime | None = None) -> Subject:
    """Return the subject of a quote or invoice with these lines (saved or just built)."""
    lines = list(lines)
    is_invoice = isinstance(document, Invoice)
    subject = Subject(
        is_invoice=is_invoice,
        client=document.client,
        period_start=document.period_start,
        period_end=document.period_end,
        lines=lines,
        now=now or timezone.now(),
        deposit_amount=getattr(document, "deposit_amount", ZERO) or ZERO,
        total_ttc=document.total_ttc or ZERO,
        replaces=getattr(document, "replaces", None),
        outside_ai=bool(getattr(document, "outside_ai_reason", "")),
        limits=limits_on(document.period_start),
    )
    capped = {line.nature.pk for line in lines if subject.limit(line.nature).annual_cap}
    if not capped:
        return subject
    spent = spent_in_year(
        client=document.client,
        year=document.period_start.year,
        natures=capped,
        # A saved invoice is not counted twice; a quote is not an invoice, whatever its pk.
        excluding=document if is_invoice and document.pk else None,
    )
    return dataclasses.replace(subject, spent=spent)
