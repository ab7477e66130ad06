"""The urssaf app's models, defined with their domain and gathered here for Django.

`registration.models`: the client's registration attempts for the avance immédiate.
`payments.models`: the payment requests of invoices and their history.
`evidence.models`: the evidence packs the staff prepare when URSSAF asks for proof.
`guarantee.models`: the cooperative's financial guarantees and the threshold alerts sent.
The first two share the triage fields and constraint of `triage.models.TriageRecord`.
"""

from .evidence.models import EvidencePack, PackStatus
from .guarantee.models import FinancialGuarantee, ThresholdAlert
from .payments.models import (
    AWAITING_VALIDATION,
    CONTESTED,
    FAILED,
    LIVE_STATES,
    EventKind,
    PaymentRequest,
    PaymentRequestEvent,
    RequestState,
)
from .registration.models import (
    LIVE_REGISTRATION_STATES,
    AIEligibilityRule,
    AIOrigin,
    AIRegistration,
    AIRegistrationState,
)
from .triage.models import OPEN_TRIAGE_STATES, TriageState

__all__ = [
    "AWAITING_VALIDATION",
    "CONTESTED",
    "FAILED",
    "LIVE_REGISTRATION_STATES",
    "LIVE_STATES",
    "OPEN_TRIAGE_STATES",
    "AIEligibilityRule",
    "AIOrigin",
    "AIRegistration",
    "AIRegistrationState",
    "EventKind",
    "EvidencePack",
    "FinancialGuarantee",
    "PackStatus",
    "PaymentRequest",
    "PaymentRequestEvent",
    "RequestState",
    "ThresholdAlert",
    "TriageState",
]
