"""Developer settings: manage.py's default, so `manage.py check` and friends work out of the box.

Production sets DJANGO_SETTINGS_MODULE=config.settings.base (wsgi, Celery and the Dockerfile
default to it) and must provide DJANGO_SECRET_KEY.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: F403
