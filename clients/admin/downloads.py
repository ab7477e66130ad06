"""Staff downloads of stored (private) files from the admin: one route, one permission check."""

from django.core.exceptions import PermissionDenied
from django.urls import path


class StoredFileDownload:
    """ModelAdmin mixin: adds the route `<pk>/<download_route>`, served to whoever may view the
    model by the admin's `serve_file(request, pk, ...)` (given the route's other parts too),
    which returns the file.

    The route is named `<app>_<model>_download` in the admin namespace unless
    `download_url_name` says otherwise.
    """

    download_route = "telecharger/"
    download_url_name = ""

    def get_urls(self):
        meta = self.model._meta
        name = self.download_url_name or f"{meta.app_label}_{meta.model_name}_download"
        view = self.admin_site.admin_view(self._download_view)
        return [path(f"<int:pk>/{self.download_route}", view, name=name), *super().get_urls()]

    def _download_view(self, request, pk, **parts):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.serve_file(request, pk, **parts)
