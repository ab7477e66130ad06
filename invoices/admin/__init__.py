"""Admin for billing (invoices, payments, natures), quotes, credit notes, tax attestations and
payouts."""

from . import attestations, billing, credit_notes, payouts, quotes  # noqa: F401
