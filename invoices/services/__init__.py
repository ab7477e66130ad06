"""Business writes on billing documents (quotes, invoices), payments, payouts and reversals.
Views and tasks call these, never the ORM directly. Import them from here, or the payouts and
reversals modules (`from invoices.services import payouts`)."""

from .billing import (
    DEPOSIT_REFERENCE,
    DepositData,
    amount_paid,
    invoice_create_draft,
    invoice_delete_draft,
    invoice_issue,
    invoice_update_draft,
    payment_record,
)
from .credit_notes import RefundData, invoice_cancel, invoice_credit
from .documents import LineData
from .quotes import (
    quote_create_draft,
    quote_delete_draft,
    quote_invoice,
    quote_record_answer,
    quote_send,
    quote_update_draft,
)

__all__ = [
    "DEPOSIT_REFERENCE",
    "DepositData",
    "LineData",
    "RefundData",
    "amount_paid",
    "invoice_cancel",
    "invoice_create_draft",
    "invoice_credit",
    "invoice_delete_draft",
    "invoice_issue",
    "invoice_update_draft",
    "payment_record",
    "quote_create_draft",
    "quote_delete_draft",
    "quote_invoice",
    "quote_record_answer",
    "quote_send",
    "quote_update_draft",
]
