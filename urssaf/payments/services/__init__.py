"""Payment requests to URSSAF: creation on issue, submission, polling, money, staff actions.

Views, tasks and the admin call these; `urssaf/api.py` is the only HTTP seam. `invoicing`
holds what the screens call to issue, cancel or settle an invoice URSSAF may be paying.
"""

from .corrections import (
    correction_reason,
    correction_refusal,
    invoice_correct,
    refund_due,
)
from .invoicing import (
    CANCEL_REFUSED,
    invoice_cancel_unless_at_urssaf,
    invoice_issue_and_submit,
    invoice_issue_outside_ai,
    invoice_split_at_activation,
    lines_before_activation,
    payment_record_unless_at_urssaf,
)
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
    "CANCEL_REFUSED",
    "REFRESH_MESSAGES",
    "PollReport",
    "RefreshOutcome",
    "correction_reason",
    "correction_refusal",
    "invoice_cancel_unless_at_urssaf",
    "invoice_correct",
    "invoice_issue_and_submit",
    "invoice_issue_outside_ai",
    "invoice_split_at_activation",
    "lines_before_activation",
    "ordinary_payment_refusal",
    "payment_record_unless_at_urssaf",
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
    "refund_due",
    "urssaf_payment_book",
    "urssaf_payment_reverse",
    "urssaf_shares",
]
