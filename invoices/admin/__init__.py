"""Admin for billing (invoices, payments, natures), quotes, tax attestations, payouts and the
clients' direct-debit or card mandates."""

from . import attestations, billing, mandates, payouts, quotes  # noqa: F401
