"""The strict Content-Security-Policy breaks nothing: pages with htmx, ECharts and their own
scripts load in a real browser without a single CSP violation."""

from __future__ import annotations

import pytest

from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data


@pytest.fixture(autouse=True)
def _catalog(transactional_db):
    if not Service.objects.exists():
        load_reference_data()


def test_pages_load_without_content_security_policy_violations(page):
    from exitentry.queueing.tests.factories import make_hall

    hall = make_hall()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    paths = [
        "/",
        "/services/checklist/",
        "/service-points/",
        f"/queue/{hall.pk}/display/",
        f"/queue/{hall.pk}/live/",
    ]

    page.set_default_timeout(90_000)  # the shared CI machine can be slow; polling pages never go idle
    for path in paths:
        response = page.goto(path, wait_until="load")
        assert response is not None, path
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_timeout(500)  # deferred scripts and the first htmx swaps

    assert page.evaluate("() => typeof window.htmx") == "object"
    assert violations == []
