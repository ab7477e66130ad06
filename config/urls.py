from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clients.account_forms import LoginForm
from clients.views import cooperative_logo, home
from config.views import favicon, health

urlpatterns = [
    path("", home, name="home"),
    path("sante/", health, name="health"),
    path("favicon.ico", favicon),
    path("logo/", cooperative_logo, name="cooperative_logo"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("clients.urls_accounts")),
    path("prestataire/", include("clients.urls_provider")),
    path("espace-client/", include("clients.urls_portal")),
    path("inscription/", include("clients.urls_signup")),
    path("factures/", include("invoices.urls")),
    path("devis/", include("invoices.urls_quotes")),
    path("attestations/", include("invoices.urls_attestations")),
    path("admin/", admin.site.urls),
]
