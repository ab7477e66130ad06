"""The client portal: invoices, quotes, profile, avance immédiate."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_http_methods
from django.views.generic import RedirectView

from invoices.views import portal as invoice_views
from invoices.views import quotes as quote_views
from urssaf.registration import views as registration

from .views import portal

app_name = "portal"

# Password change is open to every logged-in user (PasswordChangeView requires login itself);
# the client's profile links here. PUT would otherwise be accepted as a POST by FormView.
password_change = require_http_methods(["GET", "POST"])(
    auth_views.PasswordChangeView.as_view(
        template_name="registration/password_change_form.html",
        success_url=reverse_lazy("portal:password_change_done"),
    )
)
password_change_done = require_http_methods(["GET"])(
    auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/password_change_done.html"
    )
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:invoice_list"), name="index"),
    path("factures/", invoice_views.invoice_list, name="invoice_list"),
    path("factures/<uuid:code>/", invoice_views.invoice_detail, name="invoice_detail"),
    path("devis/", quote_views.portal_quote_list, name="quote_list"),
    path("profil/", portal.profile, name="profile"),
    path("profil/mot-de-passe/", password_change, name="password_change"),
    path("profil/mot-de-passe/modifie/", password_change_done, name="password_change_done"),
    path("avance-immediate/", registration.portal_status, name="ai_status"),
    path("avance-immediate/inscription/", registration.portal_register, name="ai_register"),
    path("avance-immediate/confirmer/", registration.portal_confirm, name="ai_confirm"),
    path("avance-immediate/verifier/", registration.portal_check, name="ai_check"),
]
