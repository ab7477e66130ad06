"""The cooperative's admin site: Django's, with its titles, and the list of apps built only on
the pages that show it."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class PortalAdminSite(AdminSite):
    site_header = "Coopérative SAP — administration"
    site_title = "Coopérative SAP"
    index_title = "Gestion de la coopérative"
    # The home page lists every model; without the side list the tables get the whole width.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """Django puts the list of apps in every admin page's context, checking the user's
        permissions on each model, yet only the home page shows it now that the side list is
        off: a tenth of a triage queue's CPU (bench/pages.py). Built when first read."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))


class PortalAdminConfig(AdminConfig):
    default_site = "config.admin_site.PortalAdminSite"
