"""Start-up check: refuse to run against URSSAF with a setting missing."""

from django.conf import settings
from django.core.checks import CheckMessage, Error

REQUIRED_SETTINGS = (
    "URSSAF_BASE_URL",
    "URSSAF_TOKEN_URL",
    "URSSAF_CLIENT_ID",
    "URSSAF_CLIENT_SECRET",
    "URSSAF_CONNECT_TIMEOUT",
    "URSSAF_READ_TIMEOUT",
)
TIMEOUT_SETTINGS = ("URSSAF_CONNECT_TIMEOUT", "URSSAF_READ_TIMEOUT")


def check_urssaf_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Return one error naming every missing URSSAF setting, one per invalid timeout."""
    missing = [name for name in REQUIRED_SETTINGS if getattr(settings, name, None) in (None, "")]
    messages: list[CheckMessage] = []
    if missing:
        messages.append(
            Error(
                f"Missing URSSAF settings: {', '.join(missing)}.",
                hint="Set the matching environment variables (see config/settings/base.py).",
                id="urssaf.E001",
            )
        )
    for name in TIMEOUT_SETTINGS:
        value = getattr(settings, name, None)
        if name not in missing and not (isinstance(value, int | float) and value > 0):
            messages.append(
                Error(f"{name} must be a positive number of seconds.", id="urssaf.E002")
            )
    return messages
