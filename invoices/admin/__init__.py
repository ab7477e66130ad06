"""Admin for billing (invoices, payments, natures), tax attestations and provider payouts."""

from . import attestations, billing, payouts  # noqa: F401
