"""Production mode, checked in a fresh interpreter per case (settings are read once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PG_URL = "postgres://exitentry:secret@db.internal:5432/exitentry"
PRODUCTION_ENV = {
    "EXITENTRY_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-for-the-test-only",
    "DATABASE_URL": PG_URL,
    "REDIS_URL": "redis://cache.internal:6379/0",
    "ALLOWED_HOSTS": "crj.example.gov.cn",
    "FIELD_ENCRYPTION_KEYS": "q2nFzSx5H0m3c4ZfX9dWJxQ0qVvYh6c1uQm3a3R0bXk=",
    "FIELD_LOOKUP_KEY": "Zm9yLXRoZS10ZXN0LW9ubHktbG9va3VwLWtleS0zMmI=",
}
READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "TASKS": settings.TASKS["default"]["BACKEND"],
    "STATIC": settings.STORAGES["staticfiles"]["BACKEND"],
    "MEDIA": settings.STORAGES["default"]["BACKEND"],
    "CSP": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"],
    "UPGRADE": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("upgrade-insecure-requests"),
    "django_rq": "django_rq" in settings.INSTALLED_APPS,
    "LOG_JSON": "JSONRenderer" in repr(settings.LOGGING["formatters"]["structured"]["processors"]),
}))
"""


def _settings_in(environment: dict[str, str], code: str = READ_SETTINGS) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV and key != "DEBUG"}
    clean.update(environment)
    clean["DJANGO_SETTINGS_MODULE"] = "exitentry.settings"
    clean["EXITENTRY_VAR_DIR"] = str(settings.VAR_DIR)
    prelude = "import django; django.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_turn_on_every_protection():
    finished = _settings_in(PRODUCTION_ENV)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.strip().splitlines()[-1]) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "CACHE": "django.core.cache.backends.redis.RedisCache",
        "TASKS": "django_tasks_rq.RQBackend",
        "STATIC": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "MEDIA": "django.core.files.storage.FileSystemStorage",
        "CSP": ["'self'"],
        "UPGRADE": True,
        "django_rq": True,
        "LOG_JSON": True,
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set when EXITENTRY_ENV=production"),
        ("DATABASE_URL", "DATABASE_URL must point at PostgreSQL when EXITENTRY_ENV=production"),
        ("REDIS_URL", "REDIS_URL must be set when EXITENTRY_ENV=production"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set when EXITENTRY_ENV=production"),
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS must be set when EXITENTRY_ENV=production"),
        ("FIELD_LOOKUP_KEY", "FIELD_LOOKUP_KEY must be set when EXITENTRY_ENV=production"),
    ],
)
def test_production_refuses_to_start_without_a_required_setting(missing, message):
    environment = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    finished = _settings_in(environment)

    assert finished.returncode == 1
    assert f"ImproperlyConfigured: {message}" in finished.stderr


def test_production_refuses_a_field_key_that_is_not_32_bytes():
    finished = _settings_in({**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "dG9vLXNob3J0"})

    assert finished.returncode == 1
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS: each key must be 32 bytes" in finished.stderr


def test_production_refuses_sqlite():
    finished = _settings_in({**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/exitentry.sqlite3"})

    assert finished.returncode == 1
    assert "DATABASE_URL must point at PostgreSQL when EXITENTRY_ENV=production" in finished.stderr


def test_uploads_storage_backend_and_its_options_come_from_the_environment():
    code = "from django.conf import settings; print(settings.STORAGES['default'])"

    finished = _settings_in(
        {
            **PRODUCTION_ENV,
            "STORAGE_BACKEND": "django.core.files.storage.InMemoryStorage",
            "STORAGE_OPTIONS": '{"base_url": "/uploads/"}',
        },
        code,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip().splitlines()[-1] == (
        "{'BACKEND': 'django.core.files.storage.InMemoryStorage', 'OPTIONS': {'base_url': '/uploads/'}}"
    )


@pytest.mark.postgres
def test_a_production_response_carries_the_security_headers():
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    code = """
from django.test import Client
response = Client().get("/api/v1/health", secure=True, HTTP_HOST="crj.example.gov.cn")
for name in ["Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
             "Referrer-Policy", "X-Content-Type-Options", "Cross-Origin-Opener-Policy"]:
    print(f"{name}: {response.headers.get(name)}")
print("status", response.status_code)
plain = Client().get("/services/", HTTP_HOST="crj.example.gov.cn")
print("plain", plain.status_code, plain.headers.get("Location"))
"""
    # The test database is the one the suite uses; only reads happen.
    finished = _settings_in({**PRODUCTION_ENV, "DATABASE_URL": url.replace(db["NAME"], db["NAME"])}, code)

    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.strip().splitlines()
    assert "Strict-Transport-Security: max-age=31536000; includeSubDomains" in lines
    assert "X-Frame-Options: DENY" in lines
    assert "Referrer-Policy: same-origin" in lines
    assert "X-Content-Type-Options: nosniff" in lines
    assert "Cross-Origin-Opener-Policy: same-origin" in lines
    csp = next(line for line in lines if line.startswith("Content-Security-Policy: "))
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "upgrade-insecure-requests" in csp
    assert "status 200" in lines
    assert "plain 301 https://crj.example.gov.cn/services/" in lines
