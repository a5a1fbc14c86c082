from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from exitentry.servicepoints.models import SessionKind
from exitentry.servicepoints.tests.factories import (
    CapacityPlanFactory,
    CityFactory,
    OpeningHoursFactory,
    ServicePointFactory,
    hall_with_weekday_hours,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tuesday_10() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 9, 22, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def english(client: Any, url: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(url, params or {}, headers={"Accept-Language": "en"})


def test_the_list_page_shows_every_point_with_todays_hours(client: Any) -> None:
    hall = hall_with_weekday_hours()

    response = english(client, reverse("servicepoints:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Hall {hall.code}" in page
    assert "09:00–17:00" in page
    assert "Open now" in page
    assert 'lang="en"' in page


def test_near_me_lists_the_nearest_first_with_distances(client: Any) -> None:
    far = ServicePointFactory(latitude=Decimal("36.067100"), longitude=Decimal("120.382600"))
    near = ServicePointFactory(latitude=Decimal("36.660000"), longitude=Decimal("117.120000"))

    response = english(client, reverse("servicepoints:list"), {"lat": "36.6512", "lon": "117.1201"})

    page = response.content.decode()
    assert page.index(f"Hall {near.code}") < page.index(f"Hall {far.code}")
    assert "1.0 km away" in page
    assert "Nearest first" in page


def test_searching_by_city_keeps_that_city(client: Any) -> None:
    jinan = ServicePointFactory()
    qingdao = ServicePointFactory(city=CityFactory(code="370200"))

    page = english(client, reverse("servicepoints:list"), {"city": "370200"}).content.decode()

    assert f"Hall {qingdao.code}" in page
    assert f"Hall {jinan.code}" not in page


def test_a_half_given_location_shows_an_error_summary_linking_to_the_field(client: Any) -> None:
    ServicePointFactory()

    page = english(client, reverse("servicepoints:list"), {"lat": "36.6"}).content.decode()

    assert "There is a problem" in page
    assert 'href="#id_lon"' in page
    assert "Give both latitude and longitude, or neither." in page


def test_the_page_speaks_chinese_by_default(client: Any) -> None:
    hall_with_weekday_hours()

    page = client.get(reverse("servicepoints:list")).content.decode()

    assert 'lang="zh-hans"' in page
    assert "查找服务网点" in page


def test_the_detail_page_shows_hours_with_sessions_address_and_phone(client: Any) -> None:
    hall = hall_with_weekday_hours(phone="0531-12345678")
    OpeningHoursFactory(
        service_point=hall,
        weekday=5,
        kind=SessionKind.WEEKEND,
        opens=dt.time(9),
        closes=dt.time(12),
        no_lunch_break=True,
    )
    CapacityPlanFactory(service_point=hall)

    response = english(client, reverse("servicepoints:detail", args=[hall.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="row">Saturday</th>' in page
    assert "09:00–12:00" in page
    assert "Weekend session" in page
    assert "No lunch break" in page
    assert 'href="tel:0531-12345678"' in page
    assert f"1 Main Road, {hall.code}" in page
    assert "Closed on public holidays." in page
    assert f"/appointments/book/?point={hall.pk}" in page


def test_an_unknown_or_closed_down_point_is_404(client: Any) -> None:
    gone = ServicePointFactory(is_active=False)

    assert client.get(reverse("servicepoints:detail", args=[gone.pk])).status_code == 404
    assert client.get(reverse("servicepoints:detail", args=[999999])).status_code == 404
