"""Admin for billing (invoices, payments, natures), quotes, tax attestations and payouts."""

from . import attestations, billing, payouts, quotes  # noqa: F401
