"""Self-registration: a client without an account creates one from one of their invoices."""

from django.urls import path

from .views import registration

app_name = "signup"

urlpatterns = [
    path("", registration.signup, name="start"),
]
