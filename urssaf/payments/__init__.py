"""Payment requests of avance immédiate invoices (POST /demandePaiement and its search).

The requests and their history (models), what is sent (demande) and checked before
(preflight), what URSSAF's statuses mean (statuses, schedule, timeline), the triage table,
the services, the e-mails, the selectors the screens reuse, and the admin queue.
"""
