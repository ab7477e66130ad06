"""The figures of the financial-guarantee obligation (décret 2024-1161), kept in one place."""

from decimal import Decimal

from invoices.templatetags.fr_format import euros

# Avance immédiate invoices, TTC, per calendar year, above which URSSAF requires a guarantee.
THRESHOLD = Decimal("200000.00")
THRESHOLD_TEXT = euros(THRESHOLD)
# Shares of the threshold at which staff are alerted, in per cent.
ALERT_LEVELS = (80, 100)
# Reminders before a guarantee ends, in days (0: on its last day).
REMINDER_DAYS = (60, 30, 7, 0)
