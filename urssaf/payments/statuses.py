"""Every payment-request status URSSAF may report, as data: labels, meaning, polling cadence.

One row per `statut.code` of shared/urssaf/API.md §8.1, the confirmed ones and those seen in a
single client (113, 260, 270) or only in other public lists (15, 80, 90, 100). A code absent
from this table is kept verbatim, polled as if it could still change, and raised to staff.

The expected delays of the lifecycle (48 h to validate, debit about J+2, URSSAF's transfer about
J+4) are here too: the poller and the invoice timeline read the same figures.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from ..nomenclature import PAYMENT_STATUS_LABELS, REJECTION_LABELS, PaymentStatus

# --- the lifecycle's expected delays (tax/RULES.md §3, API.md §5.3) --------------------------
VALIDATION_WINDOW = timedelta(hours=48)  # the client validates or contests, silence validates
DEBIT_DELAY = timedelta(days=2)  # "URSSAF debits 50 % about two days later" (J+2)
TRANSFER_DELAY = timedelta(days=2)  # "pays the whole invoice about J+4": 2 days after the debit
# Past an expected moment by this much, the step is shown late (the delays are approximate).
LATE_GRACE = timedelta(hours=12)
# How long a request stays watched after a "settled" status: a paid request can still bounce
# to 60/111/112/120 (API.md §8.1, CAERP). CAERP watches 7 days; bank returns of a SEPA debit
# can come weeks later, so 30 days.
SETTLED_WATCH = timedelta(days=30)


class Category(StrEnum):
    WAITING = "waiting"
    VALIDATED = "validated"
    PAID = "paid"
    FAILED = "failed"
    FINAL = "final"


class Money(StrEnum):
    """What the status means for the invoice's books."""

    NONE = "none"
    BOOK = "book"  # URSSAF paid the cooperative: book the payment
    REVERSE = "reverse"  # URSSAF took it back / never will pay: reverse a booked payment


@dataclass(frozen=True)
class StatusInfo:
    code: str
    label: str
    description: str
    category: Category
    can_change: bool
    # Polling: the usual interval while in this status, and the interval near an expected
    # change (see urssaf/payments/schedule.py); `watch_for` ends the polling that long after
    # entering it.
    poll_every: timedelta | None
    near_every: timedelta | None = None
    watch_for: timedelta | None = None
    money: Money = Money.NONE
    confirmed: bool = True
    known: bool = True

    @property
    def is_final(self) -> bool:
        return not self.can_change


_MIN = timedelta(minutes=1)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Cadence:
    """How the poller watches a status (urssaf/payments/schedule.py); no interval: it is final."""

    poll_every: timedelta | None
    near_every: timedelta | None = None
    watch_for: timedelta | None = None


# The cadences of the table, named for what the status waits on.
NEXT_STEP_IN_HOURS = Cadence(_HOUR, near_every=5 * _MIN)  # the client's answer, a calculation
NEXT_STEP_IN_DAYS = Cadence(3 * _HOUR, near_every=15 * _MIN)  # the debit, the transfer
NO_DATE_EXPECTED = Cadence(6 * _HOUR)  # may change, nobody knows when
SETTLED = Cadence(12 * _HOUR, watch_for=SETTLED_WATCH)  # may still bounce (60/111/112/120)
SETTLED_RARELY_MOVED = Cadence(24 * _HOUR, watch_for=SETTLED_WATCH)
FINAL = Cadence(None)


def _row(
    code: str,
    category: Category,
    cadence: Cadence,
    description: str,
    *,
    label: str = "",
    money: Money = Money.NONE,
    confirmed: bool = True,
) -> tuple[str, StatusInfo]:
    info = StatusInfo(
        code,
        label or PAYMENT_STATUS_LABELS[code],
        description,
        category,
        can_change=cadence.poll_every is not None,
        poll_every=cadence.poll_every,
        near_every=cadence.near_every,
        watch_for=cadence.watch_for,
        money=money,
        confirmed=confirmed,
    )
    return code, info


_UNCONFIRMED = "(code vu chez un seul éditeur, non confirmé)"
_UNDOCUMENTED = "(statut non confirmé par la documentation)"
_S = PaymentStatus
_C = Category
# fmt: off
STATUSES: dict[str, StatusInfo] = dict((
    _row(_S.INTEGRATED, _C.WAITING, NEXT_STEP_IN_HOURS,
         "La demande de paiement a été reçue et acceptée par l'URSSAF."),
    _row(_S.AWAITING_VALIDATION, _C.WAITING, NEXT_STEP_IN_HOURS,
         "Le client a été prévenu : il a 48 heures pour valider ou contester la demande "
         "sur son espace URSSAF ; sans réponse, elle est validée automatiquement."),
    _row(_S.VALIDATED, _C.VALIDATED, NEXT_STEP_IN_DAYS,
         "Validée (par le client ou automatiquement) : le prélèvement de la part du client "
         "est lancé."),
    _row(_S.REFUSED, _C.FAILED, FINAL,
         "Le client a contesté la demande : elle ne sera pas payée. La facture est à "
         "corriger et à renvoyer sous un nouveau numéro."),
    _row(_S.DEBITED, _C.VALIDATED, NEXT_STEP_IN_DAYS,
         "La part du client est prélevée ; l'URSSAF va verser la totalité à la coopérative."),
    _row(_S.DEBIT_REFUSED, _C.FAILED, NO_DATE_EXPECTED,
         "Le prélèvement sur le compte du client a été rejeté par sa banque : la demande "
         "est impayée et le compte URSSAF du client est bloqué."),
    _row(_S.PAID, _C.PAID, SETTLED,
         "L'URSSAF a payé la facture à la coopérative.", money=Money.BOOK),
    _row(_S.CANCELLED, _C.FINAL, FINAL,
         "Annulée à la demande motivée de la coopérative.", money=Money.REVERSE),
    _row(_S.CANCELLED_AFTER_UNPAID, _C.FINAL, FINAL,
         "Annulée après l'impayé du client : la facture est à régler directement.",
         money=Money.REVERSE),
    _row(_S.CANCELLED_AFTER_RECOVERY, _C.FINAL, FINAL,
         "Annulée après recouvrement par la coopérative.", money=Money.REVERSE),
    _row(_S.CANCELLED_SPECIFIC, _C.FINAL, FINAL,
         f"Annulée pour une raison spécifique {_UNCONFIRMED}.",
         money=Money.REVERSE, confirmed=False),
    _row(_S.RECOVERED, _C.FINAL, SETTLED_RARELY_MOVED,
         "Impayé recouvré directement par la coopérative : l'avance de l'URSSAF est reprise "
         "et le règlement du client est à enregistrer sur la facture.", money=Money.REVERSE),
    _row(_S.PROVIDER_UNPAID, _C.FAILED, NO_DATE_EXPECTED,
         f"Impayé côté prestataire {_UNCONFIRMED}.", confirmed=False),
    _row(_S.PROVIDER_SETTLED, _C.PAID, SETTLED_RARELY_MOVED,
         f"Régularisée côté prestataire, traitée comme payée {_UNCONFIRMED}.",
         money=Money.BOOK, confirmed=False),
    # Codes only other public lists mention (API.md §8.1: "not found anywhere").
    _row("15", _C.WAITING, NEXT_STEP_IN_HOURS, f"Aides calculées {_UNDOCUMENTED}.",
         label="Aides calculées", confirmed=False),
    _row("80", _C.WAITING, NO_DATE_EXPECTED,
         f"En attente d'échanges avec l'URSSAF {_UNDOCUMENTED}.",
         label="En attente d'échanges", confirmed=False),
    _row("90", _C.FINAL, FINAL, f"Clôturée {_UNDOCUMENTED}.",
         label="Clôturée", confirmed=False),
    _row("100", _C.FINAL, FINAL, f"Supprimée {_UNDOCUMENTED}.",
         label="Supprimée", money=Money.REVERSE, confirmed=False),
))
# fmt: on

# What the client reads about her own request (the descriptions above speak to the provider
# and the staff). Codes missing here show the status label only.
CLIENT_DESCRIPTIONS: dict[str, str] = {
    PaymentStatus.INTEGRATED: "L'URSSAF a reçu la demande de paiement et va vous demander de "
    "la valider.",
    PaymentStatus.AWAITING_VALIDATION: "Validez ou contestez la demande sur votre espace URSSAF.",
    PaymentStatus.VALIDATED: "Demande validée : l'URSSAF va prélever votre part.",
    PaymentStatus.REFUSED: "Vous avez contesté la demande : l'URSSAF ne la paiera pas. La "
    "coopérative vous enverra une facture corrigée.",
    PaymentStatus.DEBITED: "Votre part a été prélevée ; l'URSSAF règle le reste à la coopérative.",
    PaymentStatus.DEBIT_REFUSED: "Le prélèvement de votre part a été refusé par votre banque. "
    "L'URSSAF bloque l'avance immédiate tant que ce n'est pas régularisé : contactez-la depuis "
    "votre espace particulier.urssaf.fr, ou réglez cette facture par virement à la coopérative.",
    PaymentStatus.PAID: "L'URSSAF a réglé la facture à la coopérative : vous n'avez plus rien à "
    "payer.",
    PaymentStatus.CANCELLED: "La coopérative a annulé cette demande de paiement.",
    PaymentStatus.CANCELLED_AFTER_UNPAID: "Demande annulée après le refus du prélèvement : "
    "réglez cette facture directement à la coopérative.",
    PaymentStatus.CANCELLED_AFTER_RECOVERY: "Demande annulée : vous avez réglé la facture "
    "directement à la coopérative.",
    PaymentStatus.RECOVERED: "Vous avez réglé l'impayé directement à la coopérative.",
}


def client_description(code: str) -> str:
    """What the client reads about a request in status `code` (its label when not written)."""
    return CLIENT_DESCRIPTIONS.get(code) or status_info(code).label


# An unknown code may still change: poll it like a slow status and show it to the staff.
UNKNOWN_POLL_EVERY = 6 * _HOUR

# Sent and waiting for the client's answer (15 is an unconfirmed step before 20).
AWAITING_VALIDATION_CODES = ("10", "15", "20")
CONTESTED_CODES = (PaymentStatus.REFUSED.value,)
FAILED_CODES = (
    PaymentStatus.DEBIT_REFUSED.value,
    PaymentStatus.PROVIDER_UNPAID.value,
)
# URSSAF will not pay these (or paid and took the money back): the invoice is settled directly
# by the client, so ordinary payments are accepted again.
ENDED_UNPAID_CODES = ("40", "110", "111", "112", "113", "120", "90", "100")
# The order of the main lifecycle, to tell which milestones a jump skipped.
LIFECYCLE_ORDER = ("10", "20", "30", "50", "70")


def status_info(code: str) -> StatusInfo:
    """Return the table's row for `code`, or a row flagging it as unknown (kept verbatim)."""
    row = STATUSES.get(code)
    if row is not None:
        return row
    return StatusInfo(
        code=code,
        label=f"Statut inconnu ({code})",
        description=(
            "L'URSSAF a renvoyé un statut que le portail ne connaît pas : l'équipe de la "
            "coopérative l'examine."
        ),
        category=Category.WAITING,
        can_change=True,
        poll_every=UNKNOWN_POLL_EVERY,
        known=False,
    )


@dataclass(frozen=True)
class RejectionInfo:
    code: str
    family: str
    label: str
    known: bool = True


REJECTION_FAMILIES = {
    "REGUL_": "Régularisation",
    "CONTEST_": "Contestation",
    "ANNUL_": "Annulation",
}


def rejection_info(code: str) -> RejectionInfo:
    """Return the French label and family of an `infoRejet.code`; unknown codes stay verbatim."""
    family = next(
        (name for prefix, name in REJECTION_FAMILIES.items() if code.startswith(prefix)), "Motif"
    )
    label = REJECTION_LABELS.get(code)
    if label is None:
        return RejectionInfo(code, family, f"Motif inconnu ({code})", known=False)
    return RejectionInfo(code, family, label)
