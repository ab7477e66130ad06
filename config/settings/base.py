"""Settings shared by every environment, driven by environment variables.

Nothing secret has a default here: in production mode (DJANGO_DEBUG unset) a missing
DJANGO_SECRET_KEY stops the process at start-up instead of running with a guessable key.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SAP_VAR_DIR", BASE_DIR / "var"))
# Every process of the portal (web, worker, beat, sandbox, manage.py) reads these settings
# first. What they write holds personal data: the SQLite database, e-mails, PDFs, the broker's
# queue, the sandbox's records, the cache. Readable and writable by the portal's user only.
os.umask(0o077)


def development_key(purpose: str) -> str:
    """A fixed key for DEBUG only (demo, developers), so nothing needs configuring there."""
    digest = hashlib.sha256(f"sap-portal development {purpose}, never production".encode())
    return base64.urlsafe_b64encode(digest.digest()).decode()


DEBUG = env_bool("DJANGO_DEBUG")
# Secrets: in DEBUG a development value; in production the process refuses to start, naming
# every variable that is missing.
_missing_secrets = [
    name
    for name in ("DJANGO_SECRET_KEY", "SAP_FIELD_ENCRYPTION_KEYS", "SAP_FIELD_HASH_KEYS")
    if not DEBUG and not os.environ.get(name, "").strip(" ,")
]
if _missing_secrets:
    raise ImproperlyConfigured(
        f"The environment variable {_missing_secrets[0]} must be set."
        if len(_missing_secrets) == 1
        else f"The environment variables {', '.join(_missing_secrets)} must be set."
    )
SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY") or "insecure-development-key-do-not-use-in-production"
)
# Sensitive data at rest (clients/encryption.py): Fernet keys, newest first, comma-separated
# (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
# after adding a key in front, `manage.py reencrypt_sensitive_data` rewrites every row with it.
FIELD_ENCRYPTION_KEYS = env_list("SAP_FIELD_ENCRYPTION_KEYS") or [development_key("data key")]
# Keys of the searchable hashes (e.g. "same birth date"), newest first: any long random string.
FIELD_HASH_KEYS = env_list("SAP_FIELD_HASH_KEYS") or [development_key("hash key")]
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "config.admin_site.PortalAdminConfig",  # django.contrib.admin, with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "csp",
    "audit",
    "clients",
    "invoices",
    "urssaf",
    "books",
    # The fake URSSAF (a separate program): installed only for `manage.py urssaf_sandbox`.
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clients.session_timeout.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clients.context_processors.cooperative_identity",
            ],
        },
    },
]

# Without DATABASE_URL the portal runs on an SQLite file so the demo needs nothing installed;
# production and the test suite set DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
# SQLite, shared by the web server and two worker processes: WAL lets readers go on while one
# writes; IMMEDIATE takes the write lock when a transaction begins, so two writers queue on the
# busy timeout instead of one failing with "database is locked" when its read turns into a write
# (SQLite cannot wait there without risking a deadlock).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clients.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("SAP_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Django sets stored files to 0o644 whatever the umask: keep documents private (see umask).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# Both backends add an atomic windowed counter for the rate limits (config/cache.py).
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            # Shared between the web process and the worker, unlike the local-memory cache.
            "BACKEND": "config.cache.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Culling past 300 entries (the default) would forget rate-limit counters.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

# Rendered invoice and quote PDFs, by content (invoices/pdf_cache.py): a private folder (see
# umask), at most PDF_CACHE_MAX_ENTRIES documents (~100 KB each), each kept a week at most.
CACHES["pdf"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(VAR_DIR / "pdf-cache"),
    "TIMEOUT": 7 * 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": env_int("PDF_CACHE_MAX_ENTRIES", 2000, minimum=1)},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "portail@cooperative-sap.fr")

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL the demo uses Kombu's filesystem transport: no broker to install.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if CELERY_BROKER_URL != "filesystem://"
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Kombu's default is "control" in the current folder: the repository's root.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task talks to URSSAF with 10-30 s timeouts and a few retries; nothing should run longer
# than this, and a stuck one must not block the worker forever.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Acknowledge after the task ran so a killed worker's task is redelivered; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic job lives here, in one place. Later features add their entries.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Attestations are due before 31 March: nag the staff on 1, 8 and 15 March if N-1 is missing.
    "attestations-march-reminder": {
        "task": "invoices.tasks.remind_missing_attestations",
        "schedule": crontab(minute=0, hour=8, day_of_month="1,8,15", month_of_year="3"),
    },
    # Avance immédiate: ask URSSAF about every pending activation (reminders after 2 and 5
    # days, triage after 7) and resend registrations whose task died. Every 15 minutes, so a
    # client who just activated sees it soon; a few GET /particulier per round.
    "ai-registrations-follow-up": {
        "task": "urssaf.tasks.follow_ai_registrations",
        "schedule": crontab(minute="*/15"),
    },
    # Payment requests: search the status of those due (urssaf/payments/schedule.py decides how
    # often each is asked about: minutes around an expected change, hours otherwise), 10 ids
    # per call.
    "urssaf-payment-requests-poll": {
        "task": "urssaf.tasks.poll_payment_requests",
        "schedule": crontab(minute="*"),
    },
    # Safety net: send again requests left pending (a lost task) or claimed by a dead worker.
    "urssaf-payment-requests-resume": {
        "task": "urssaf.tasks.resume_payment_requests",
        "schedule": crontab(minute="*/5"),
    },
    # Financial guarantee: release requests held until a guarantee starts, remind the staff
    # before one ends, alert them at 80 % and 100 % of the yearly threshold (each once).
    "urssaf-guarantee-follow-up": {
        "task": "urssaf.tasks.follow_guarantee",
        "schedule": crontab(minute=10),
    },
}

# --- Attestations fiscales ------------------------------------------------------------------
# An avance-immédiate payment belongs to the year URSSAF paid the cooperative. Some software
# also counts those received in the first N days of January in the year before (15 is common);
# the rule used is printed in every attestation's footer, so change it only between years.
ATTESTATION_AI_YEAR_GRACE_DAYS = env_int("ATTESTATION_AI_YEAR_GRACE_DAYS", 0, minimum=0)
# Optional image of the signatory's signature (PNG/JPEG file path), printed above the name.
ATTESTATION_SIGNATURE_IMAGE = os.environ.get("ATTESTATION_SIGNATURE_IMAGE", "")
# Absolute address of the portal, for links in e-mails sent by workers (no request there).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://localhost:8000")

# --- Provider payouts -------------------------------------------------------------------------
# The cooperative's own account, debited by the SEPA credit-transfer files of payouts; staff
# can still type it on the export form when these are empty.
COOPERATIVE_PAYOUT_NAME = os.environ.get("COOPERATIVE_PAYOUT_NAME", "")
COOPERATIVE_PAYOUT_IBAN = os.environ.get("COOPERATIVE_PAYOUT_IBAN", "")
COOPERATIVE_PAYOUT_BIC = os.environ.get("COOPERATIVE_PAYOUT_BIC", "")


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Security (production) ------------------------------------------------------------------
# `manage.py check --deploy` with these settings and DEBUG off reports nothing (a test runs it).
# Behind the TLS-terminating proxy, trust its X-Forwarded-Proto header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies append to X-Forwarded-For in front of the portal (clients/net.py):
# the visitor's address for rate limits and login lockouts. 0 trusts REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0)
SECURE_SSL_REDIRECT = not DEBUG and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
# Sessions end after this much inactivity (clients/session_timeout.py), sooner for staff; an
# anonymous session (a sign-up in progress) lives as long as a signed-in one.
SESSION_IDLE_TIMEOUT = env_int("DJANGO_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_IDLE_TIMEOUT_STAFF = env_int("DJANGO_STAFF_SESSION_IDLE_MINUTES", 15, minimum=1) * 60
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_COOKIE_SECURE = not DEBUG and env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): no inline script anywhere, every asset from this host.
# Inline *style attributes* stay allowed: Bootstrap markup and e-mail-like admin partials use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons are data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login brute force (django-axes): 5 failures for one account, from whatever addresses, lock
# that account; 5 failures from one address, whatever the accounts, lock that address. Counting
# per account *and* address would let an attacker rotating addresses (a botnet, or a forged
# X-Forwarded-For reaching gunicorn directly) try passwords for ever. The price: anyone who
# knows an e-mail address can lock that account for the cool-off time; it stays short, open
# sessions are untouched, and the lockout page says when to come back and how to reset the
# password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Django's login form posts the e-mail as `username`; axes would otherwise look for `email`.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "clients.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "clients.net.client_ip"
# Password reset by e-mail (clients/services/accounts.py): the link works once, for 24 hours.
PASSWORD_RESET_TIMEOUT = 24 * 3600

# --- URSSAF API Tiers de prestation (urssaf/api.py is the only module that reads these) ---
# Production values: base https://api.urssaf.fr/atp/v1/tiersPrestations and token URL
# https://api.urssaf.fr/api/oauth/v1/token. In DEBUG (the demo) they default to the local
# sandbox; in production nothing defaults and the "urssaf" system check names what is missing.
URSSAF_SANDBOX_URL = os.environ.get("URSSAF_SANDBOX_URL", "http://127.0.0.1:8765")
# The sandbox's own credentials and data directory (python manage.py urssaf_sandbox).
URSSAF_SANDBOX_CLIENT_ID = os.environ.get("URSSAF_SANDBOX_CLIENT_ID", "sandbox")
URSSAF_SANDBOX_CLIENT_SECRET = os.environ.get("URSSAF_SANDBOX_CLIENT_SECRET", "sandbox")
URSSAF_SANDBOX_DATA_DIR = Path(os.environ.get("URSSAF_SANDBOX_DATA_DIR", VAR_DIR / "sandbox"))
URSSAF_BASE_URL = os.environ.get(
    "URSSAF_BASE_URL", f"{URSSAF_SANDBOX_URL}/atp/v1/tiersPrestations" if DEBUG else ""
)
URSSAF_TOKEN_URL = os.environ.get(
    "URSSAF_TOKEN_URL", f"{URSSAF_SANDBOX_URL}/api/oauth/v1/token" if DEBUG else ""
)
URSSAF_CLIENT_ID = os.environ.get("URSSAF_CLIENT_ID", URSSAF_SANDBOX_CLIENT_ID if DEBUG else "")
URSSAF_CLIENT_SECRET = os.environ.get(
    "URSSAF_CLIENT_SECRET", URSSAF_SANDBOX_CLIENT_SECRET if DEBUG else ""
)
URSSAF_CONNECT_TIMEOUT = env_float("URSSAF_CONNECT_TIMEOUT", 5.0)
URSSAF_READ_TIMEOUT = env_float("URSSAF_READ_TIMEOUT", 30.0)
