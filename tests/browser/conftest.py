"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Every test under tests/browser/ is marked `browser` (the PostgreSQL CI run deselects them) and
grouped on one xdist worker (`make pytest` runs `--dist loadgroup`), so one Chromium serves them
all. Screenshots land in `test-artifacts/` when a test fails, or whenever a test calls the
`screenshot` fixture. `accessibility.assert_accessible(page)` runs axe-core on the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Phones first: a mid-size phone, as most applicants will see the pages.
PHONE = {"width": 390, "height": 844}
DEFAULT_TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
            if item.get_closest_marker("django_db") is None:
                # The live server needs committed rows, so every browser test is transactional;
                # each one starts from the migrated rows (catalog, policies, templates) again.
                item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _artifact_name(node: pytest.Item, suffix: str) -> Path:
    module, _, test = node.nodeid.partition("::")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{Path(module).stem}--{test}").strip("-")
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}{suffix}.png"


class _Chromium:
    """One Playwright and one Chromium for each run of consecutive browser tests.

    Playwright's sync API keeps an asyncio loop running in this thread for as long as it lives,
    so it is stopped after the last browser test of a run: tests that come next on the same
    xdist worker must be able to call `asyncio.run()` and keep Django's async-safety checks.
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._saved_async_unsafe: str | None = None

    def browser(self, executable_path: str) -> Any:
        if self._browser is None:
            # Django refuses ORM calls from a thread with a running event loop unless told that
            # this test process knows what it is doing (factories run beside Playwright here).
            self._saved_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=executable_path, headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
            if self._saved_async_unsafe is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._saved_async_unsafe


_CHROMIUM = _Chromium()


def _is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and HERE in item.path.resolve().parents


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield  # the test's own fixtures (pages, contexts) are closed first
    if not _is_browser_test(nextitem):
        _CHROMIUM.stop()


@pytest.fixture
def browser(chromium_path: str) -> Any:
    """Chromium (headless, Debian's build), shared by consecutive browser tests."""
    return _CHROMIUM.browser(chromium_path)


def _new_context(browser: Any, live_server: Any, **options: Any) -> Any:
    settings = {
        "base_url": live_server.url,
        "viewport": PHONE,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        **options,
    }
    context = browser.new_context(**settings)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def browser_context(browser: Any, live_server: Any) -> Iterator[Any]:
    context = _new_context(browser, live_server)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any, page_errors: list[str]) -> Iterator[Callable[..., Any]]:
    """A tab in a context of its own: `new_page(locale="en-GB", java_script_enabled=False)`.

    Options are Playwright's `browser.new_context()` arguments; the defaults are those of `page`.
    The browser's language comes from `locale` (it sets Accept-Language).
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = _new_context(browser, live_server, **options)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: page_errors.append(str(error)))
        return tab

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught JavaScript errors of the `page` so far."""
    return []


@pytest.fixture
def page(browser_context: Any, page_errors: list[str], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab on the live server (base URL set: `page.goto("/")`), Chinese by default."""
    tab = browser_context.new_page()
    tab.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        yield tab
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed and not tab.is_closed():
            tab.screenshot(path=str(_artifact_name(request.node, "-failed")), full_page=True)
        tab.close()


@pytest.fixture
def screenshot(page: Any, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """`screenshot("after-login")` saves the whole page to test-artifacts/ and returns the path."""

    def take(label: str) -> Path:
        path = _artifact_name(request.node, f"-{label}")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session", autouse=True)
def _keep_the_migrated_rows_for_serialized_rollback(django_db_setup: None) -> None:
    # `serialized_rollback` reloads the rows the migrations wrote (catalog, policies, templates)
    # from `connection._test_serialized_contents`. After the first live-server test that
    # attribute is gone from the connection in use, so every later test found those tables
    # empty; kept on the class, every connection object finds it.
    from django.db import connections

    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> Iterator[None]:
    # Sign-in failures are counted per address in the cache, and every browser test comes from
    # 127.0.0.1; start and leave each test with none counted.
    cache.clear()
    yield
    cache.clear()
