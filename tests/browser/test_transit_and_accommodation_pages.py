"""Issue 6 "done" (part): a traveller checks 240-hour transit eligibility in English and Russian; a hotel
registers a day's guests by CSV (a bad file first: per-row errors, nothing imported; then a good one).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps

from exitentry.accommodation.models import Registration
from exitentry.accommodation.tests.factories import AreaFactory, HotelFactory, hotel_operator, mrz
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.core import clock
from exitentry.transit.reference import load_reference_data
from tests.browser.accessibility import assert_accessible
from tests.browser.pages import fits_the_screen, open_page, sign_in

HEADER = "mrz_line1,mrz_line2,room,arrival,expected_departure"


@pytest.fixture
def transit_policy(transactional_db: None) -> None:
    # A transactional test starts from a flushed database: put the data migration's rows back.
    load_reference_data()


@pytest.fixture
def hotel_desk(transactional_db: None) -> Any:
    import_module("exitentry.accommodation.migrations.0002_registration_deadline").add_policy(apps, None)
    hotel = HotelFactory(name="Harbour View", area=AreaFactory(code="370202"))
    return hotel_operator(hotel=hotel, username="frontdesk")


def _describe_trip(page: Any, *, destination: str, departure: str) -> None:
    page.select_option("#id_nationality", "DEU")
    page.select_option("#id_entry_port", "TAO")
    page.fill("#id_arrival", "2026-03-07T22:30")
    page.select_option("#id_origin", "DEU")
    page.select_option("#id_destination", destination)
    page.fill("#id_departure", departure)


def test_traveller_is_told_in_english_that_a_trip_qualifies_and_until_when(
    new_page: Any, transit_policy: None
):
    page = new_page(locale="en-GB")
    open_page(page, "/transit/")
    assert page.inner_text("h1") == "Can I transit China without a visa?"
    assert_accessible(page)

    _describe_trip(page, destination="KOR", departure="2026-03-17T21:00")
    page.get_by_role("button", name="Check my trip").click()
    page.wait_for_selector("#answer-title")

    assert page.inner_text("#answer-title") == "Your trip qualifies for visa-free transit"
    assert page.inner_text("#stay-ends-at") == "2026-03-18 00:00 (240 hours)"
    assert fits_the_screen(page)
    assert_accessible(page)


def test_traveller_is_told_in_russian_exactly_why_a_trip_does_not_qualify(
    new_page: Any, transit_policy: None
):
    page = new_page(locale="ru-RU")
    open_page(page, "/transit/")

    _describe_trip(page, destination="CHN", departure="2026-03-19T09:00")
    page.get_by_role("button", name="Проверить поездку").click()
    page.wait_for_selector("#answer-title")

    assert page.inner_text("#answer-title") == "Ваша поездка не подходит для безвизового транзита"
    reasons = page.locator(".transit-failures li")
    assert [reasons.nth(i).get_attribute("data-code") for i in range(reasons.count())] == [
        "destination_is_mainland_china",
        "departure_after_permitted_stay",
    ]
    assert reasons.nth(0).inner_text().startswith("Билет на дальнейший рейс должен быть в третью страну")
    assert_accessible(page)


def test_hotel_uploads_a_bad_csv_then_a_good_one(new_page: Any, hotel_desk: Any):
    arrival = (clock.local_now() - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    departure = (clock.today() + dt.timedelta(days=2)).isoformat()

    def row(zone: str, room: str, when: str = arrival) -> str:
        return ",".join([*zone.split("\n"), room, when, departure])

    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
    sign_in(page, "frontdesk", PASSWORD, then="/accommodation/hotel/")
    assert page.inner_text("#current-title") == "0 guests staying"
    assert_accessible(page)

    bad = "\n".join(
        [HEADER, row(mrz("A11111111"), "东楼 301"), row(mrz("B22222222", expiry=dt.date(2024, 1, 1)), "302")]
    )
    page.set_input_files(
        "#id_upload-file", files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": bad.encode("gbk")}]
    )
    page.get_by_role("button", name="Upload and register").click()
    page.wait_for_selector(".accommodation-row-errors")

    assert page.locator(".accommodation-row-errors tbody tr").all_inner_texts() == [
        "3\tmrz\tThe passport expired on 2024-01-01."
    ]
    assert page.inner_text("#current-title") == "0 guests staying"
    assert Registration.objects.count() == 0
    assert_accessible(page)

    good = "\n".join([HEADER, row(mrz("A11111111"), "东楼 301"), row(mrz("B22222222"), "302")])
    page.set_input_files(
        "#id_upload-file",
        files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": good.encode("gbk")}],
    )
    page.get_by_role("button", name="Upload and register").click()
    page.wait_for_selector(".message-success")

    assert page.inner_text(".message-success") == "2 guests were registered from the file."
    assert page.inner_text("#current-title") == "2 guests staying"
    assert page.locator(".accommodation-table tbody td:first-child").all_inner_texts() == ["302", "东楼 301"]
    assert_accessible(page)
