"""The provider's dashboard: their clients, quotes and invoices."""

from django.urls import path

from invoices.views import provider as invoice_views
from invoices.views import quotes as quote_views
from urssaf.registration import views as registration

from .views import provider as client_views

app_name = "provider"

urlpatterns = [
    path("", invoice_views.dashboard, name="dashboard"),
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/nouveau/", client_views.client_create, name="client_create"),
    path("clients/<uuid:code>/", client_views.client_detail, name="client_detail"),
    path("clients/<uuid:code>/modifier/", client_views.client_edit, name="client_edit"),
    path("clients/<uuid:code>/invitation/", client_views.client_invite, name="client_invite"),
    path(
        "clients/avance-immediate/",
        registration.provider_register_many,
        name="client_ai_register_many",
    ),
    path(
        "clients/<uuid:code>/avance-immediate/",
        registration.provider_register,
        name="client_ai_register",
    ),
    path(
        "clients/<uuid:code>/avance-immediate/confirmer/",
        registration.provider_confirm,
        name="client_ai_confirm",
    ),
    path("devis/", quote_views.quote_list, name="quote_list"),
    path("devis/nouveau/", quote_views.quote_create, name="quote_create"),
    path("devis/<uuid:code>/", quote_views.quote_detail, name="quote_detail"),
    path("devis/<uuid:code>/modifier/", quote_views.quote_edit, name="quote_edit"),
    path("devis/<uuid:code>/envoyer/", quote_views.quote_send, name="quote_send"),
    path("devis/<uuid:code>/supprimer/", quote_views.quote_delete, name="quote_delete"),
    path("devis/<uuid:code>/reponse/", quote_views.quote_answer, name="quote_answer"),
    path("devis/<uuid:code>/facturer/", quote_views.quote_invoice, name="quote_invoice"),
    path("factures/", invoice_views.invoice_list, name="invoice_list"),
    path("factures/nouvelle/", invoice_views.invoice_create, name="invoice_create"),
    path("factures/<uuid:code>/", invoice_views.invoice_detail, name="invoice_detail"),
    path("factures/<uuid:code>/modifier/", invoice_views.invoice_edit, name="invoice_edit"),
    path("factures/<uuid:code>/emettre/", invoice_views.invoice_issue, name="invoice_issue"),
    path(
        "factures/<uuid:code>/emettre-hors-avance-immediate/",
        invoice_views.invoice_issue_outside_ai,
        name="invoice_issue_outside_ai",
    ),
    path(
        "factures/<uuid:code>/separer-avant-activation/",
        invoice_views.invoice_split_at_activation,
        name="invoice_split_at_activation",
    ),
    path("factures/<uuid:code>/supprimer/", invoice_views.invoice_delete, name="invoice_delete"),
    path("factures/<uuid:code>/annuler/", invoice_views.invoice_cancel, name="invoice_cancel"),
    path("factures/<uuid:code>/paiement/", invoice_views.payment_create, name="payment_create"),
]
