"""URSSAF's codes and labels (shared/urssaf/API.md §4 and §8), for the portal and the sandbox.

Plain Python, no Django import, nothing of either program: the portal reads URSSAF's answers
with it (urssaf/nomenclature.py) and the sandbox, which plays URSSAF, serves them
(sandbox/nomenclature.py). The labels come from urssaf_nomenclature.json beside this module,
URSSAF's published list; the enum names the codes that both act on, and tests check it matches
that file.
"""

import json
from enum import StrEnum
from pathlib import Path

__all__ = [
    "CANCEL_CODES",
    "CLIENT_LINK_STATUS_LABELS",
    "CONTEST_CODES",
    "PAYMENT_STATUS_LABELS",
    "REJECTION_LABELS",
    "PaymentStatus",
]

_SHARED = json.loads(
    (Path(__file__).resolve().parent / "urssaf_nomenclature.json").read_text(encoding="utf-8")
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
    # 113, 260 and 270 were seen in one recent client only (API.md §8.1: unconfirmed); the
    # sandbox never moves a request to them but names them like any other code.
    CANCELLED_SPECIFIC = "113"
    RECOVERED = "120"
    PROVIDER_UNPAID = "260"
    PROVIDER_SETTLED = "270"


# `statut.libelle` sent with each code.
PAYMENT_STATUS_LABELS: dict[str, str] = _SHARED["payment_statuses"]
# `statut.code` of GET /particulier (API.md §4), as the console names them.
CLIENT_LINK_STATUS_LABELS: dict[str, str] = _SHARED["client_link_statuses"]
# `infoRejet.code` (API.md §8.2): the family is the prefix; "autre motif" says which family.
REJECTION_LABELS: dict[str, str] = _SHARED["rejections"]
CONTEST_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("CONTEST_"))
CANCEL_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("ANNUL_"))
