"""The cooperative's garantie financière (décret 2024-1161) and what depends on it.

`models`: the register of guarantees and the staff alerts already sent. `rules`: when a
payment request needs a valid guarantee (the yearly avance immédiate total past the threshold,
an acompte), in one place. `services`: recording a guarantee, reminders and alerts to staff.
Holding and releasing payment requests lives with them (urssaf/payments/services/held.py).
"""
