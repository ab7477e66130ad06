"""The invoices app's models, one module per subject; import them from here."""

from .attestations import (  # noqa: F401
    Attestation,
    AttestationBatch,
    AttestationBatchItem,
    AttestationQuerySet,
    BatchItemStatus,
    BatchStatus,
    attestation_upload_to,
)
from .billing import (  # noqa: F401
    Invoice,
    InvoiceLine,
    InvoiceQuerySet,
    InvoiceStatus,
    Payment,
    PaymentMode,
    PaymentQuerySet,
    PaymentReversal,
)
from .credit_notes import (  # noqa: F401
    REFUND_MODES,
    CreditNote,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteStatus,
    Refund,
)
from .dated_rules import DatedRules, DatedRulesQuerySet  # noqa: F401
from .documents import (  # noqa: F401
    CENT,
    NOTES_MAX_LENGTH,
    BillingDocument,
    BillingDocumentQuerySet,
    DocumentKind,
    DocumentSequence,
    ServiceLine,
    Unit,
    round_cents,
)
from .mandates import (  # noqa: F401
    MandateKind,
    MandateStatus,
    PaymentMandate,
    PaymentMandateQuerySet,
)
from .payouts import Payout, PayoutBatch, PayoutQuerySet, PayoutStatus  # noqa: F401
from .quotes import Quote, QuoteLine, QuoteStatus  # noqa: F401
from .service_natures import Regime, ServiceNature  # noqa: F401
from .tax import TaxRuleSet, TaxSubCeiling  # noqa: F401
