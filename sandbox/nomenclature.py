"""URSSAF's codes and labels as the sandbox serves them (shared/urssaf/API.md §4 and §8).

The sandbox plays URSSAF, so it does not import the portal's reading of it
(urssaf/nomenclature.py). Both read URSSAF's published list, reference/urssaf_nomenclature.json,
so a label is written once; the enum below names the codes the sandbox moves requests through,
and tests/sandbox/test_nomenclature.py checks it matches that file.
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
    """`statut.code` of a payment request (API.md §8.1)."""

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
