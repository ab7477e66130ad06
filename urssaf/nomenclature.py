"""URSSAF reference data shared by the client and the sandbox (shared/urssaf/API.md §8).

Plain Python, no Django import. The labels come from reference/urssaf_nomenclature.json, the
one list of URSSAF's codes that the sandbox reads too (it may not import this module); the enums
name the codes the portal acts on, and tests check they match that file.
"""

import json
from enum import StrEnum
from pathlib import Path

_SHARED = json.loads(
    (Path(__file__).resolve().parent.parent / "reference" / "urssaf_nomenclature.json").read_text(
        encoding="utf-8"
    )
)


class PaymentStatus(StrEnum):
    """`statut.code` of a payment request (API.md §8.1, official documentation v1-1-7 §4.3)."""

    INTEGRATED = "10"
    AWAITING_VALIDATION = "20"
    VALIDATED = "30"
    REFUSED = "40"
    DEBITED = "50"
    DEBIT_REFUSED = "60"
    PAID = "70"
    CANCELLED = "110"
    CANCELLED_AFTER_UNPAID = "111"
    CANCELLED_AFTER_RECOVERY = "112"
    # 113, 260 and 270 were seen in one recent client only (API.md §8.1: unconfirmed).
    CANCELLED_SPECIFIC = "113"
    RECOVERED = "120"
    PROVIDER_UNPAID = "260"
    PROVIDER_SETTLED = "270"


PAYMENT_STATUS_LABELS: dict[str, str] = _SHARED["payment_statuses"]


class ClientLinkStatus(StrEnum):
    """`statut.code` of GET /particulier (API.md §4)."""

    PENDING = "APPAREILLAGE_EC"
    ACTIVE = "APPAREILLAGE_VALIDE"
    NOT_FINALISED = "APPAREILLAGE_NF"
    BLOCKED = "PARTICULIER_BLOQUE"
    MANDATE_EXPIRED = "MANDAT_ECHU"


CLIENT_LINK_STATUS_LABELS: dict[str, str] = _SHARED["client_link_statuses"]

# `infoRejet.code` values (API.md §8.2), by family.
REJECTION_LABELS: dict[str, str] = _SHARED["rejections"]
CONTEST_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("CONTEST_"))
CANCEL_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("ANNUL_"))
