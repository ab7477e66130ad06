"""The demo's settings (scripts/demo): the portal as visitors meet it, nothing to configure.

Development keys and the URSSAF sandbox come from DEBUG in the base settings; then DEBUG goes
off, so a missing page shows the portal's own 404 (not Django's English debug page with every
URL of the site) and an error the portal's 500. Plain HTTP on 127.0.0.1, static files served by
WhiteNoise straight from the source folders (no collectstatic). Never use it in production.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: F403

DEBUG = False
# Served from static/ and the apps' folders as they are: no collectstatic step in the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
