"""Admin for billing (invoices, payments, natures), quotes, credit notes, tax attestations,
payouts and the clients' direct-debit or card mandates."""

from . import attestations, billing, credit_notes, mandates, payouts, quotes  # noqa: F401
