from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Only hosts `manage.py urssaf_sandbox`: the sandbox has no models and the portal never
    imports it (it is a separate program that plays URSSAF)."""

    name = "sandbox"
    verbose_name = "Bac à sable URSSAF"
