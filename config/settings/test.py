"""Test settings: real PostgreSQL and Redis, as in production.

DATABASE_URL / REDIS_URL may point elsewhere (a developer running two suites at once gives each
its own database name and Redis db number).
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SAP_FIELD_ENCRYPTION_KEYS", "LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE=")
os.environ.setdefault("SAP_FIELD_HASH_KEYS", "test-only-hash-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sap_portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("SAP_VAR_DIR", tempfile.mkdtemp(prefix="sap-test-var-"))

from .base import *  # noqa: F403
from .base import STATIC_ROOT, STORAGES, URSSAF_SANDBOX_CLIENT_ID, URSSAF_SANDBOX_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never run collectstatic, but WhiteNoise warns (an error under our warning filters) on
# the first request when STATIC_ROOT does not exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Unit tests run tasks in-process; end-to-end tests start a real worker when they need one.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The test client speaks plain HTTP.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0

# Tests that talk to URSSAF point these at a sandbox they start (tests/plugins/sandbox.py);
# the defaults keep the start-up check satisfied and can never reach the real URSSAF.
URSSAF_BASE_URL = f"{URSSAF_SANDBOX_URL}/atp/v1/tiersPrestations"
URSSAF_TOKEN_URL = f"{URSSAF_SANDBOX_URL}/api/oauth/v1/token"
URSSAF_CLIENT_ID = URSSAF_SANDBOX_CLIENT_ID
URSSAF_CLIENT_SECRET = "test-secret"  # noqa: S105 - a sandbox credential, not a real one
