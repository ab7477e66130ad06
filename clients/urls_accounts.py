"""Account pages open to anyone: password reset, a client's answer to a provider's request."""

from django.urls import path

from .views import accounts

app_name = "accounts"

urlpatterns = [
    path("mot-de-passe-oublie/", accounts.PasswordReset.as_view(), name="password_reset"),
    path(
        "mot-de-passe-oublie/envoye/",
        accounts.PasswordResetDone.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe-oublie/<uidb64>/<token>/",
        accounts.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe-oublie/modifie/",
        accounts.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
    path("rattachement/<str:token>/", accounts.link_request, name="link_request"),
]
