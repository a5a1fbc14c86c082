"""Settings, read from the environment (see .env.example).

`EXITENTRY_ENV` is `development` (default), `test` or `production`. Production refuses to start
without the settings a real deployment must choose itself.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

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
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

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

TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default=(
                "django_tasks.backends.immediate.ImmediateBackend"
                if EXITENTRY_ENV == "test"
                else "django_tasks_db.DatabaseBackend"
            ),
        ),
    }
}

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
}

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

# Tracking lookups (GET /api/v1/track) allowed per client address per minute; the benchmark,
# whose clients all come from 127.0.0.1, raises it.
EXITENTRY_TRACKING_PER_CLIENT_PER_MINUTE = env.int("TRACKING_PER_CLIENT_PER_MINUTE", default=30)
# Seconds each process keeps reference data read on hot paths (opening hours, policies, service
# rules; core/refcache.py). 0 turns the cache off; the test suite runs with it off unless a test asks.
REFERENCE_CACHE_SECONDS = env.int("REFERENCE_CACHE_SECONDS", default=0 if EXITENTRY_ENV == "test" else 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
