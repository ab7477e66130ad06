from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients et prestataires"

    def ready(self) -> None:
        from django.core import checks

        from . import (
            context_processors,  # noqa: F401  (connects its cooperative receivers)
            session_timeout,  # noqa: F401  (connects its user_logged_in receiver)
        )
        from .admin.sensitive import check_admins_refuse_sensitive_lookups
        from .encryption import check_encryption_keys

        checks.register(check_admins_refuse_sensitive_lookups, checks.Tags.admin)
        checks.register(check_encryption_keys)
