from django.apps import AppConfig
from django.core import checks


class UrssafConfig(AppConfig):
    name = "urssaf"
    verbose_name = "URSSAF"

    def ready(self) -> None:
        from .checks import check_urssaf_settings

        checks.register(check_urssaf_settings, "urssaf")
