"""Annual tax attestations and the tax-credit simulator."""

from django.urls import path

from .views import attestations as views

app_name = "attestations"

urlpatterns = [
    path("", views.attestation_list, name="list"),
    path("<uuid:code>/telecharger/", views.attestation_download, name="download"),
    path("simulateur/", views.simulator, name="simulator"),
    path("prestataire/", views.provider_attestation_list, name="provider_list"),
]
