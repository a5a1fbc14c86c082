"""Suite-wide fixtures and the rules for optional back-ends.

- Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL (deselected otherwise).
- Tests marked `browser` need Debian's chromium; without it they skip, except under CI=true,
  where a missing browser is a failure.
- Under CI=true nothing may be skipped: a test that skips (for want of chromium, gettext or
  anything else) is reported as failed, with the reason.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_configure(config: pytest.Config) -> None:
    from exitentry.core.compile_messages import compile_all

    if compile_all():
        # pytest-django set Django up before this hook, and Django cached the default language's
        # catalogues then, without the .mo files just compiled (a fresh checkout has none): forget
        # them, as Django's own tests do when translation settings change.
        from django.test.signals import language_changed

        language_changed(setting="LOCALE_PATHS")


def _database_is_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _refuse_transactional_tests_without_serialized_rollback(items: list[pytest.Item]) -> None:
    # A transaction=True test flushes the database afterwards; without serialized_rollback the
    # flush re-creates content types with new ids, and the next serialized_rollback test then
    # fails to restore the migrated data (duplicate key on django_content_type). One rule for all.
    offenders = [
        item.nodeid
        for item in items
        if (marker := item.get_closest_marker("django_db")) is not None
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ]
    if offenders:
        raise pytest.UsageError(
            "use @pytest.mark.django_db(transaction=True, serialized_rollback=True): " + ", ".join(offenders)
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _refuse_transactional_tests_without_serialized_rollback(items)
    if _database_is_postgres():
        return
    kept, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may be skipped: {reason}"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if CHROMIUM is None:
        if CI:
            pytest.fail("chromium is required under CI=true (apt-get install chromium)")
        pytest.skip("chromium not installed")
    return CHROMIUM


@pytest.fixture
def api(client: Any) -> Any:
    """Django's test client, speaking JSON to /api/v1."""

    class Api:
        def __init__(self) -> None:
            self.headers: dict[str, str] = {}

        def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
            return {**self.headers, **(extra or {})}

        def get(
            self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
        ) -> Any:
            return client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

        def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
            return client.post(
                f"/api/v1{path}",
                body if body is not None else {},
                content_type="application/json",
                headers=self._headers(headers),
            )

        def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
            return client.delete(f"/api/v1{path}", headers=self._headers(headers))

        def login(self, username: str, password: str) -> str:
            response = self.post("/auth/token", {"username": username, "password": password})
            assert response.status_code == 200, response.content
            token = response.json()["token"]
            self.headers["Authorization"] = f"Bearer {token}"
            return token

    return Api()
