"""A fake URSSAF API Tiers de prestation for the demo, staff training and end-to-end tests.

Run it as its own process, with its own SQLite store (never the portal's database):

    python manage.py urssaf_sandbox --port 8765 --data-dir var/sandbox [--no-control]

- URSSAF paths: /api/oauth/v1/token and /atp/v1/tiersPrestations/{particulier,
  demandePaiement, demandePaiement/rechercher}, as in shared/urssaf/API.md.
- /__sandbox/...: the control API (clock, client and bank actions, faults, reset); drive it
  from Python with `remote.SandboxRemote`.
- /: the console, the client's URSSAF space and the staff's buttons, in French.

Every choice where the contract is unsure lives in `constants.py`. URSSAF's codes and labels
come from URSSAF's published list in reference/ (`nomenclature.py`), as the portal's do: the
sandbox imports nothing from the portal's apps.
"""
