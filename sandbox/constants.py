"""Every choice the sandbox makes where the contract is silent or unsure, in one place.

Each unconfirmed point cites shared/urssaf/API.md; changing the behaviour once the official
documentation is at hand should be a one-line edit here.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from .nomenclature import PaymentStatus

API_PREFIX = "/atp/v1/tiersPrestations"
TOKEN_PATH = "/api/oauth/v1/token"  # noqa: S105 (a path, not a secret)
CONTROL_PREFIX = "/__sandbox/"
TOKEN_SCOPE = "homeplus.tiersprestations"  # noqa: S105 (a scope name, not a secret)
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600  # "qui dure 1h" (API.md §2; exact value unconfirmed)
DEFAULT_PORT = 8765

# URSSAF is French: "today", "in the future" and dd/mm/yyyy dates are read in Paris time.
URSSAF_TZ = ZoneInfo("Europe/Paris")

# --- registration (POST /particulier, GET /particulier) -------------------------------------
REGISTRATION_SUCCESS_STATUS = 200  # 200 or 201 (API.md §3.2: unconfirmed, most likely 200)
# The same organisation registering again someone whose link is pending or active (API.md §6,
# ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE, or §3.2 "returning the existing idClient"):
# "error" answers the error code, "return_existing" answers 200 with the same idClient. Another
# organisation registering the same person always gets that person's idClient and a new link.
REREGISTRATION_BEHAVIOUR = "error"
# The activation e-mail's link; past it the link is "APPAREILLAGE_NF" (sandbox choice).
ACTIVATION_LINK_VALIDITY = timedelta(days=7)
# "statut.description" once active: the activation date and time, French local time (API.md
# §4, §0.2: a client run against URSSAF's test environment reads `dd/mm/yyyy hh:mm(:ss)`).
ACTIVATION_DESCRIPTION_FORMAT = "%d/%m/%Y %H:%M"
# GET /particulier answers an object (API.md §4: "either an object or an array").
GET_PARTICULIER_AS_LIST = False
# `statut.etat`: "OK" when valid; other values are unconfirmed (API.md §4).
LINK_STATE = {"APPAREILLAGE_VALIDE": "OK"}
LINK_STATE_OTHERWISE = "KO"
# A refused direct debit blocks the account "for up to 4 weeks" (API.md §5.3).
BLOCK_AFTER_REFUSED_DEBIT = timedelta(weeks=4)
# Births in overseas departments (API.md §3.1, URSSAF support): 97411 must be sent as "974" +
# "011" "pour contourner l'anomalie (en cours de correction)". True: only that form matches.
DOM_BIRTH_COMMUNE_QUIRK = True
# URSSAF returns several errors in one list (the format allows it) although CAERP saw only one
# at a time (API.md §3.3): the sandbox reports every schema error of a request at once.
VALIDATION_ERROR_PREFIX = "inputParticulier"
# URSSAF's codeTypeVoie list, from a client citing the official PDF v1-1-1 (API.md §0.1): any
# other code (QUA, CRS, CITE, QUAI…) is answered ERR_CONTACT_ADRESSE_TYPE_VOIE.
_STREET_TYPE_WORDS = (
    "ALL AV BAT BD C CAN CHE CHS CI CL COG FG HAM IMB IMP LOT MAI MTE PAR PAS PAV PL POR Q QU R "
    "RAM RES RTE RUL SEN SQ VO"
)
STREET_TYPES = frozenset(_STREET_TYPE_WORDS.split())
STREET_LETTERS = frozenset("BTQC")  # bis, ter, quater, quinquiès (API.md §3.1)

# --- payment requests (POST /demandePaiement) -----------------------------------------------
MAX_REQUESTS_PER_CALL = 10  # ERR_NBRE_PREST_MAX
# A malformed invoice (schema) rejects the whole call with HTTP 400 and a top-level error list;
# business-rule errors are reported per invoice in a 200 (both shapes seen, API.md §5.2).
DEMANDE_VALIDATION_ERROR_PREFIX = "inputDemandePaiement"
# A rejected invoice carries its first error code in `statut` (a UI tests startswith "ERR_").
REJECTED_ITEM_STATUT_IS_FIRST_CODE = True
# Decimal places allowed per amount (API.md §5.1: 2, the unit price 3; quantity: 2, unconfirmed).
DECIMAL_PLACES = {
    "mntFactureTTC": 2,
    "mntFactureHT": 2,
    "mntAcompte": 2,
    "quantite": 2,
    "mntUnitaireTTC": 3,
    "mntPrestationTTC": 2,
    "mntPrestationHT": 2,
    "mntPrestationTVA": 2,
}
# quantité x prix unitaire must equal the line TTC "to the cent in practice" (API.md §5.1).
LINE_TTC_TOLERANCE_CENTS = 1
MAX_DEPOSIT_SHARE = "0.5"  # acompte ≤ 50 % of the invoice TTC (ERR_MONTANT_ACOMPTE)
# codeNature referential (API.md §8.3).
NATURE_CODES = frozenset(str(code) for code in range(10, 280, 10))
# codeActivite: no table exists (API.md §8.4); the pattern "<codeNature>A<3 digits>" is a
# hypothesis. An empty or absent code is accepted (the field is optional).
ACTIVITY_CODE_PATTERN = r"^(?P<nature>\d{2,3})A\d{3}$"
# complement2 may have to carry the worker's NOVA/SIRET number in newer API versions
# (API.md §5.1, unconfirmed): off until confirmed.
REQUIRE_WORKER_NUMBER = False
WORKER_NUMBER_PATTERN = r"^(SIR\d{14}|SAP\d{9})$"
# A transfer pays the provider 100 % minus what the client already paid as a deposit
# (API.md §5.3 "pays the provider 100 %"; the deposit deduction is a sandbox choice).

# --- lifecycle (statuses computed from events and the sandbox clock) ------------------------
# Automatic transitions: from a status, after a delay spent in it, to the next (API.md §5.3,
# §9.5). 10 → 20 "at once"; 48 h without the client's answer validates; the debit about J+2
# after validation; the transfer about J+4 after validation.
INTEGRATION_DELAY = timedelta(0)
VALIDATION_WINDOW = timedelta(hours=48)
DEBIT_DELAY = timedelta(days=2)
TRANSFER_DELAY_AFTER_DEBIT = timedelta(days=2)
AUTOMATIC_TRANSITIONS = {
    PaymentStatus.INTEGRATED: (PaymentStatus.AWAITING_VALIDATION, INTEGRATION_DELAY),
    PaymentStatus.AWAITING_VALIDATION: (PaymentStatus.VALIDATED, VALIDATION_WINDOW),
    PaymentStatus.VALIDATED: (PaymentStatus.DEBITED, DEBIT_DELAY),
    PaymentStatus.DEBITED: (PaymentStatus.PAID, TRANSFER_DELAY_AFTER_DEBIT),
}
# Control actions (staff, the client's space, the bank): action → {from status: to status}.
# The debit is initiated at 30 ("validée, le prélèvement a été initié"), so it can bounce from
# 30 as well as from 50 (API.md §0.3); a paid request can still bounce to 60 (CAERP: "payée is
# not always final", API.md §8.1).
ACTION_TRANSITIONS = {
    "validate": {PaymentStatus.AWAITING_VALIDATION: PaymentStatus.VALIDATED},
    "contest": {PaymentStatus.AWAITING_VALIDATION: PaymentStatus.REFUSED},
    "refuse-debit": {
        PaymentStatus.VALIDATED: PaymentStatus.DEBIT_REFUSED,
        PaymentStatus.DEBITED: PaymentStatus.DEBIT_REFUSED,
        PaymentStatus.PAID: PaymentStatus.DEBIT_REFUSED,
    },
    "recover": {PaymentStatus.DEBIT_REFUSED: PaymentStatus.RECOVERED},
    "cancel-unpaid": {PaymentStatus.DEBIT_REFUSED: PaymentStatus.CANCELLED_AFTER_UNPAID},
    "cancel": {
        PaymentStatus.INTEGRATED: PaymentStatus.CANCELLED,
        PaymentStatus.AWAITING_VALIDATION: PaymentStatus.CANCELLED,
        PaymentStatus.VALIDATED: PaymentStatus.CANCELLED,
    },
}
DEFAULT_CONTEST_CODE = "CONTEST_AUTRE"
DEFAULT_CANCEL_CODE = "ANNUL_AUTRE"

# --- status search (POST /demandePaiement/rechercher) ---------------------------------------
# Ids take precedence over the period (API.md §7.1, quoted rule); invoice numbers, a newer
# field, are treated like ids and come after them (sandbox choice).
MAX_SEARCH_KEYS = 10
# Above this many matches a period search answers ERR_NBRE_MAX_RESULTAT (limit unconfirmed).
MAX_SEARCH_RESULTS = 100

# --- faults ---------------------------------------------------------------------------------
DEFAULT_FAULTS = {
    "error_rate": 0.0,
    "error_statuses": [500, 503, 429],
    "timeout_rate": 0.0,
    "drop_rate": 0.0,
    "delay_ms": 0,
    # How long a "timeout" sleeps: longer than the client's read timeout (30 s by default).
    "timeout_seconds": 35.0,
    "retry_after_seconds": 1,
    # After a timeout or a dropped connection the request is still carried out, the worst case
    # for the caller: it does not know whether URSSAF recorded the invoice.
    "process_before_failure": True,
    "token_lifetime_seconds": DEFAULT_TOKEN_LIFETIME_SECONDS,
    "seed": None,
}
