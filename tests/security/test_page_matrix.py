"""The staff pages by URL name × every role (and nobody): only the declared roles get the page.

A refused caller is sent to the sign-in page (nobody signed in, or the admin site's own sign-in)
or gets 403/404; an allowed caller gets the page (200). A page listed here that no longer
resolves fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from exitentry.accommodation.tests.factories import hotel_operator
from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.servicepoints.tests.factories import ServicePointFactory

O, S, M, HL, W, P, AD = (  # noqa: E741
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.HOTLINE_AGENT,
    Role.WORK_PERMIT_OFFICER,
    Role.POLICE,
    Role.ADMIN,
)

PAGES: dict[str, tuple[str, ...]] = {
    "applications:queue": (O, S, M, AD),
    "applications:sla": (S, M, AD),
    "notifications:outbox": (O, S, M, HL, AD),
    "queueing:counter": (O, S, AD),
    "consult:hotline": (HL, AD),
    "consult:escalations": (S, AD),
    "consult:manage_home_visits": (O, S, AD),
    "insight:dashboard": (S, M, AD),
    "insight:capacity": (S, M, AD),
    "kiosk:devices": (O, S, M, AD),
    "accommodation:police": (P, AD),
    "foreigners:decisions": (O, S, W, AD),
    "admin:index": (AD,),
    "accounts:totp_setup": (O, S, M, AD),
}

PRINCIPALS: list[str | None] = [None, *Role.values]


@pytest.fixture
def accounts(db: Any) -> dict[str, Any]:
    point = ServicePointFactory()
    found: dict[str, Any] = {}
    for role in Role.values:
        if role == Role.HOTEL_OPERATOR:
            user = hotel_operator()
        else:
            is_admin = role == Role.ADMIN
            user = UserFactory(role=role, is_staff=is_admin, is_superuser=is_admin)
        if role in (Role.OFFICER, Role.SUPERVISOR):
            user.service_points.add(point)
        found[role] = user
    return found


def _refused(response: Any, url_name: str) -> bool:
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        login = reverse("admin:login") if url_name.startswith("admin:") else reverse("accounts:login")
        return response["Location"].startswith(login)
    return False


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_staff_page_matrix(url_name: str, client: Any, accounts: dict[str, Any]) -> None:
    url = reverse(url_name)
    wrong = []
    for role in PRINCIPALS:
        client.logout()
        if role is not None:
            client.force_login(accounts[role])
        response = client.get(url)
        allowed = role in PAGES[url_name]
        ok = response.status_code == 200 if allowed else _refused(response, url_name)
        if not ok:
            wrong.append(f"{role or 'anonymous'} got {response.status_code} {response.get('Location', '')}")
    assert wrong == [], f"{url_name} for {PAGES[url_name]}: " + "; ".join(wrong)
