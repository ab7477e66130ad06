"""URSSAF's test campaign (`manage.py urssaf_qualification`): scripted scenarios played through
urssaf/api.py against any base URL, and a dated report to join to the habilitation file."""
