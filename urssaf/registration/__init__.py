"""Registering clients for the avance immédiate with URSSAF (POST and GET /particulier).

The attempts and their triage (models, triage), what is sent (particulier) and checked
before (rules), the services, the e-mails to the client, the forms, pages and admin queue.
"""
