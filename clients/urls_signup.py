"""Self-registration: a client opens their account from a link sent to their recorded e-mail."""

from django.urls import path

from .views import signup

app_name = "signup"

urlpatterns = [
    path("", signup.signup, name="start"),
    path("lien-envoye/", signup.signup_sent, name="sent"),
    path("lien/<str:token>/", signup.signup_open, name="open"),
]
