"""Payment requests to URSSAF: creation on issue, submission, polling, money, staff actions.

Views, tasks and the invoices app call these; `urssaf/client.py` is the only HTTP seam.
"""

from .money import (
    ordinary_payment_refusal,
    urssaf_payment_book,
    urssaf_payment_reverse,
    urssaf_shares,
)
from .polling import (
    REFRESH_MESSAGES,
    PollReport,
    RefreshOutcome,
    payment_request_refresh,
    payment_requests_poll,
)
from .staff import (
    payment_request_abandon,
    payment_request_correct,
    payment_request_resolve,
    payment_request_retry,
    payment_requests_retry_many,
)
from .submission import (
    payment_request_create,
    payment_requests_resume,
    payment_requests_submit_ready,
    preflight_problems,
)

__all__ = [
    "REFRESH_MESSAGES",
    "PollReport",
    "RefreshOutcome",
    "ordinary_payment_refusal",
    "payment_request_abandon",
    "payment_request_correct",
    "payment_request_create",
    "payment_request_refresh",
    "payment_request_resolve",
    "payment_request_retry",
    "payment_requests_poll",
    "payment_requests_resume",
    "payment_requests_retry_many",
    "payment_requests_submit_ready",
    "preflight_problems",
    "urssaf_payment_book",
    "urssaf_payment_reverse",
    "urssaf_shares",
]
