"""Read settings from the environment, refusing values that cannot be what was meant.

A mistyped boolean (`DJANGO_DEBUG=ture`) or number (`DJANGO_EMAIL_PORT=25a`) stops the process
at start-up with ImproperlyConfigured naming the variable, instead of being read as false or
crashing later with a bare ValueError. A variable that is unset, or set but empty (as in
.env.example), takes the default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_bool(name: str, default: bool = False) -> bool:
    """Return the boolean in `name`; raise ImproperlyConfigured for a word that is not one."""
    value = _raw(name)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    accepted = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of: {accepted}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the whole number in `name` (at least `minimum`); raise ImproperlyConfigured."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
    return number


def env_float(name: str, default: float) -> float:
    """Return the decimal number in `name`; raise ImproperlyConfigured if it is not one."""
    value = _raw(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def env_list(name: str) -> list[str]:
    """Return the comma-separated items in `name`, stripped, empty ones dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
