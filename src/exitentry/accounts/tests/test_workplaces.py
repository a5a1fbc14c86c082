"""'Your work' on the account page: each role finds its pages there, and every link opens for it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from exitentry.accommodation.tests.factories import hotel_operator
from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.servicepoints.tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def _user_with(role: str) -> Any:
    if role == Role.HOTEL_OPERATOR:
        return hotel_operator()
    if role == Role.ENTERPRISE:
        return UserFactory(role=role, organisation="Laoshan Robotics Co., Ltd.")
    is_admin = role == Role.ADMIN
    user = UserFactory(role=role, is_staff=is_admin, is_superuser=is_admin)
    if role in (Role.OFFICER, Role.SUPERVISOR):
        user.service_points.add(ServicePointFactory())
    return user


def _work_links(client: Any) -> list[tuple[str, str]]:
    html = client.get("/accounts/me/", headers=EN).content.decode()
    work = html.partition('<ul class="work-list">')[2].partition("</ul>")[0]
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', work)


def test_an_officer_finds_the_review_queue_the_counter_and_the_foreigners_desk(client):
    client.force_login(_user_with(Role.OFFICER))

    assert [title for _url, title in _work_links(client)] == [
        "Applications to review",
        "Counter",
        "Foreigners&#x27; applications",
        "Port visas",
        "Home visits",
        "Self-service kiosks",
        "Message outbox",
    ]


def test_an_applicant_finds_their_own_things_in_chinese(client):
    client.force_login(_user_with(Role.APPLICANT))

    html = client.get("/accounts/me/", headers={"Accept-Language": "zh-hans"}).content.decode()

    assert "我的工作" in html
    assert '<a href="/applications/mine/">我的申请</a>' in html


@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.ADMIN])
def test_every_link_in_your_work_opens_for_that_role(client, role):
    client.force_login(_user_with(role))

    links = _work_links(client)

    assert links, f"{role} has nothing listed"
    refused = [(url, client.get(url).status_code) for url, _title in links]
    assert [(url, status) for url, status in refused if status != 200] == []


def test_an_administrator_gets_every_page_including_the_back_office(client):
    client.force_login(_user_with(Role.ADMIN))

    urls = [url for url, _title in _work_links(client)]

    assert urls[-1] == "/admin/"
    assert len(urls) == 23
