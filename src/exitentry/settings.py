"""Settings, read from the environment (see .env.example).

`EXITENTRY_ENV` is `development` (default), `test` or `production`. Production refuses to start
without the settings a real deployment must choose itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from exitentry.core import crypto as _crypto

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(environ.Env().str("EXITENTRY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

EXITENTRY_ENV = env.str("EXITENTRY_ENV", default="development")
if EXITENTRY_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"EXITENTRY_ENV must be development, test or production, not {EXITENTRY_ENV!r}"
    )
PRODUCTION = EXITENTRY_ENV == "production"


def _required_in_production(name: str, default: str) -> str:
    if PRODUCTION and name not in env.ENVIRON:
        raise ImproperlyConfigured(f"{name} must be set when EXITENTRY_ENV=production")
    return env.str(name, default=default)


SECRET_KEY = _required_in_production("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=not PRODUCTION and EXITENTRY_ENV != "test")

# Field encryption at rest (ID and phone numbers; exitentry.core.crypto, docs/security.md):
# FIELD_ENCRYPTION_KEYS is a comma-separated list of base64 32-byte keys, newest first (new writes
# use the first, reads accept all); FIELD_LOOKUP_KEY keys the HMAC digests used for exact lookups.
# Required in production; the development/test defaults below are public and NOT for production.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=[] if PRODUCTION else [_crypto.development_key("field encryption key 1")],
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when EXITENTRY_ENV=production")
FIELD_LOOKUP_KEY = _required_in_production("FIELD_LOOKUP_KEY", _crypto.development_key("field lookup key"))
_crypto.check_keys(FIELD_ENCRYPTION_KEYS, FIELD_LOOKUP_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when EXITENTRY_ENV=production")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "exitentry.core",
    "exitentry.audit",
    "exitentry.ops",
    "exitentry.accounts",
    "exitentry.workdays",
    "exitentry.catalog",
    "exitentry.identity",
    "exitentry.servicepoints",
    "exitentry.routing",
    "exitentry.appointments",
    "exitentry.applications",
    "exitentry.payments",
    "exitentry.notifications",
    "exitentry.queueing",
    "exitentry.consult",
    "exitentry.transit",
    "exitentry.accommodation",
    "exitentry.foreigners",
    "exitentry.insight",
    "exitentry.kiosk",
    "exitentry.photos",
    "exitentry.records",
]

MIDDLEWARE = [
    "exitentry.ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "exitentry.ops.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "exitentry.accounts.middleware.TotpEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "exitentry.urls"
WSGI_APPLICATION = "exitentry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "exitentry.core.context_processors.site",
            ],
        },
    },
]

# SQLite is the default: WAL so readers never wait for the writer, IMMEDIATE so a write
# transaction takes the lock at BEGIN instead of failing half-way with "database is locked".
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'exitentry.sqlite3'}"),
}


def _keep_postgresql_connections(database: dict[str, Any]) -> None:
    """Persistent connections, checked at each request's start by the project's backend, which is
    Django's with a health check that needs no round trip (core/postgresql/base.py)."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "exitentry.core.postgresql"
    database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    database.setdefault("CONN_HEALTH_CHECKS", True)


def _bind_and_prepare_on_server(database: dict[str, Any]) -> None:
    """Server-side binding, and psycopg preparing a statement the fifth time a connection runs
    it, so PostgreSQL stops parsing and planning the hot paths' statements on every request
    (docs/adr/0011, 0013). Django leaves preparing off unless asked (prepare_threshold=None).
    DATABASE_SERVER_SIDE_BINDING=false turns both off, for a pooler in transaction mode that
    cannot keep prepared statements."""
    options = database.setdefault("OPTIONS", {})
    binding = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
    options.setdefault("server_side_binding", binding)
    options.setdefault(
        "prepare_threshold", env.int("DATABASE_PREPARE_THRESHOLD", default=5) if binding else None
    )


if PRODUCTION and not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when EXITENTRY_ENV=production")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    _keep_postgresql_connections(DATABASES["default"])
    # An unreachable database fails a request in seconds (503 service_unavailable), never hangs it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
    _bind_and_prepare_on_server(DATABASES["default"])

# An optional streaming replica of the primary: the insight (reporting) models read from it
# (see exitentry/ops/routers.py); it is never migrated or written. In tests it mirrors default.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    _keep_postgresql_connections(DATABASES["replica"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["exitentry.ops.routers.ReplicaRouter"]
READ_REPLICA_APP_LABELS = env.list("READ_REPLICA_APP_LABELS", default=["insight"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = _required_in_production("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tasks: RQ on Redis when Redis is configured (always in production), the database otherwise;
# `exitentry worker` runs the matching worker.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default=(
                "django_tasks.backends.immediate.ImmediateBackend"
                if EXITENTRY_ENV == "test"
                else "django_tasks_rq.RQBackend"
                if REDIS_URL
                else "django_tasks_db.DatabaseBackend"
            ),
        ),
    }
}
RQ_QUEUES = {
    "default": {
        "URL": env.str("TASKS_REDIS_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0"),
        "DEFAULT_TIMEOUT": env.int("TASK_TIMEOUT_SECONDS", default=600),
        "DEFAULT_RESULT_TTL": env.int("TASK_RESULT_TTL_SECONDS", default=7 * 24 * 3600),
    }
}
if TASKS["default"]["BACKEND"].startswith("django_tasks_rq"):
    INSTALLED_APPS.append("django_rq")

# Internationalisation: zh-Hans first; the product speaks five languages.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("ru", "Русский"),
    ("ja", "日本語"),
    ("ko", "한국어"),
]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "exitentry_language"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# whitenoise looks at STATIC_ROOT at start-up; SQLite lives beside it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads go through the "default" storage: the file system under MEDIA_ROOT unless
# STORAGE_BACKEND names another Django storage class (e.g. storages.backends.s3.S3Storage for an
# object store), with its options as JSON in STORAGE_OPTIONS.
STORAGES = {
    "default": {
        "BACKEND": env.str("STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True  # pages hand the token to htmx in the markup, never via the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The health checks of the proxy and the orchestrator speak plain HTTP to the workers.
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/(health|ready)$", r"^metrics$"]

# Content Security Policy (django-csp 4), in every environment so that a page that needs more
# fails in development first: scripts, styles, images and connections from this site only; no
# inline script or style, no plug-ins, no framing. The API docs page (Swagger UI) is exempt.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if PRODUCTION else {}),
    },
}

# Reverse proxies whose X-Forwarded-For names the real client (addresses or networks), e.g.
# 127.0.0.1 for an nginx on the same host. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# /metrics answers these client addresses, or a scraper sending `Authorization: Bearer METRICS_TOKEN`.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Paths that write no request log line (probes and scrapes every few seconds).
QUIET_PATHS = ["/api/v1/health", "/api/v1/ready", "/metrics"]
# Audit trail: the number of independent hash chains (concurrent audit writers); see audit/chain.py.
AUDIT_CHAIN_SHARDS = env.int("AUDIT_CHAIN_SHARDS", default=8)
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
LOG_DIR = Path(env.str("LOG_DIR", default=str(VAR_DIR / "log")))

# Where the reference data lives: the shared/domain folder beside the checkout, or a copy
# shipped inside the package for installs without it.
DOMAIN_DATA_DIR = Path(env.str("EXITENTRY_DOMAIN_DIR", default=str(PACKAGE_DIR / "catalog" / "data")))

# The province this deployment administers (2-digit division code; 37 = Shandong). Residents whose
# household registration is elsewhere get the out-of-province promise.
EXITENTRY_PROVINCE_CODE = env.str("EXITENTRY_PROVINCE_CODE", default="37")

# Adapters at real external boundaries; sandbox implementations are the default outside production.
EXITENTRY_ADAPTERS = {
    "real_name": env.str("REAL_NAME_ADAPTER", default="exitentry.accounts.adapters.SandboxRealNameVerifier"),
    "info_sharing": env.str(
        "INFO_SHARING_ADAPTER", default="exitentry.applications.adapters.SandboxInformationSharing"
    ),
    "face_verification": env.str(
        "FACE_VERIFICATION_ADAPTER", default="exitentry.applications.adapters.SandboxFaceVerification"
    ),
    "kiosk_card_reader": env.str("KIOSK_CARD_READER", default="exitentry.kiosk.adapters.SandboxCardReader"),
    "kiosk_printer": env.str("KIOSK_PRINTER", default="exitentry.kiosk.adapters.SandboxPrinter"),
    "courier": env.str("COURIER_ADAPTER", default="exitentry.applications.adapters.SandboxCourier"),
}
# Couriers that push their scans sign them (HMAC-SHA256 of the body, X-Courier-Signature header).
COURIER_CALLBACK_SECRET = env.str("COURIER_CALLBACK_SECRET", default="") or (
    "" if PRODUCTION else f"sandbox-courier-{SECRET_KEY}"
)

# Payments: one gateway class per channel (see payments/gateways/base.py). The sandbox signs its
# callbacks with PAYMENTS_SANDBOX_SECRET (HMAC-SHA256) and refuses to work without one, which is
# the case in production unless it is set on purpose. PAYMENTS_PUBLIC_BASE_URL is the address
# gateways and payers reach this site at (default: the address of the request).
_SANDBOX_GATEWAY = "exitentry.payments.gateways.sandbox.SandboxGateway"
PAYMENT_GATEWAYS = {
    "wechat_pay": env.str("PAYMENT_GATEWAY_WECHAT_PAY", default=_SANDBOX_GATEWAY),
    "alipay": env.str("PAYMENT_GATEWAY_ALIPAY", default=_SANDBOX_GATEWAY),
    "unionpay": env.str("PAYMENT_GATEWAY_UNIONPAY", default=_SANDBOX_GATEWAY),
    "counter": "exitentry.payments.gateways.counter.CounterGateway",
}
PAYMENTS_SANDBOX_SECRET = env.str("PAYMENTS_SANDBOX_SECRET", default="") or (
    "" if PRODUCTION else f"sandbox-payments-{SECRET_KEY}"
)
PAYMENTS_CALLBACK_TOLERANCE_SECONDS = env.int("PAYMENTS_CALLBACK_TOLERANCE_SECONDS", default=300)
PAYMENTS_PUBLIC_BASE_URL = env.str("PAYMENTS_PUBLIC_BASE_URL", default="")

# Notifications: one sender per channel (see notifications/adapters.py); the sandbox outbox stores
# what would be sent. A failed send is retried with exponential backoff.
_SANDBOX_SENDER = "exitentry.notifications.adapters.SandboxOutbox"
NOTIFICATION_SENDERS = {
    "sms": env.str("SMS_SENDER", default=_SANDBOX_SENDER),
    "email": env.str("EMAIL_SENDER", default=_SANDBOX_SENDER),
}
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
NOTIFICATION_SENDING_TIMEOUT_SECONDS = env.int("NOTIFICATION_SENDING_TIMEOUT_SECONDS", default=600)

# Login throttling: after this many failures for one username or one address within the window,
# further attempts are refused until the window passes.
LOGIN_THROTTLE_FAILURES = env.int("LOGIN_THROTTLE_FAILURES", default=5)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)
# Second factor (TOTP): which roles may enrol, and whether those roles must before working.
TOTP_ROLES = env.list("TOTP_ROLES", default=["officer", "supervisor", "manager", "admin"])
STAFF_TOTP_REQUIRED = env.bool("STAFF_TOTP_REQUIRED", default=False)
TOTP_ISSUER = env.str("TOTP_ISSUER", default="exitentry")
TOTP_RECOVERY_CODES = env.int("TOTP_RECOVERY_CODES", default=10)
# How long a password-checked sign-in waits for its code, in seconds.
TOTP_PENDING_SECONDS = env.int("TOTP_PENDING_SECONDS", default=300)

# Tracking lookups (GET /api/v1/track) allowed per client address per minute; the benchmark,
# whose clients all come from 127.0.0.1, raises it.
EXITENTRY_TRACKING_PER_CLIENT_PER_MINUTE = env.int("TRACKING_PER_CLIENT_PER_MINUTE", default=30)
# Seconds each process keeps reference data read on hot paths (opening hours, policies, service
# rules; core/refcache.py). 0 turns the cache off; the test suite runs with it off unless a test asks.
REFERENCE_CACHE_SECONDS = env.int("REFERENCE_CACHE_SECONDS", default=0 if EXITENTRY_ENV == "test" else 10)

# structlog: JSON lines (LOG_FORMAT=json, the production default) or readable lines, each with
# the request id, personal identifiers masked (exitentry/ops/logs.py).
from exitentry.ops.logs import logging_config  # noqa: E402

LOGGING = logging_config(
    json=env.str("LOG_FORMAT", default="json" if PRODUCTION else "console") == "json",
    level=env.str("LOG_LEVEL", default="INFO"),
)

# Photo best-choice (photos app): the largest burst and shot accepted in one request. The photo
# rules themselves are data (photos.PhotoSpec).
PHOTOS_MAX_SHOTS = env.int("PHOTOS_MAX_SHOTS", default=12)
PHOTOS_MAX_SHOT_BYTES = env.int("PHOTOS_MAX_SHOT_BYTES", default=12 * 1024 * 1024)
# Exit-entry record certificates (records app): verification look-ups per address per minute.
RECORDS_VERIFY_PER_MINUTE = env.int("RECORDS_VERIFY_PER_MINUTE", default=20)
# The address printed in the certificate's QR code (the verification page is {this}/verify/).
RECORDS_PUBLIC_BASE_URL = env.str("RECORDS_PUBLIC_BASE_URL", default="http://localhost:8000")
