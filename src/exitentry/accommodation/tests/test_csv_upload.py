"""Bulk upload of a day's guests: UTF-8 and GBK, per-row errors, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accommodation import services
from exitentry.accommodation.models import Registration
from exitentry.accommodation.tests.factories import hotel_operator, mrz
from exitentry.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
HEADER = "mrz_line1,mrz_line2,room,arrival,expected_departure"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def operator(api):
    user = hotel_operator(username="frontdesk")
    api.login("frontdesk", PASSWORD)
    api.headers["Accept-Language"] = "en"
    return user


def row(zone: str, room: str, arrival: str = "2026-03-10 18:30", departure: str = "2026-03-12") -> str:
    line1, line2 = zone.split("\n")
    return f"{line1},{line2},{room},{arrival},{departure}"


def upload(client, api, text: str, encoding: str = "utf-8"):
    data = text.encode(encoding)
    return client.post(
        "/api/v1/accommodation/registrations/import",
        {"file": SimpleUploadedFile("guests.csv", data, content_type="text/csv")},
        headers=api.headers,
    )


def test_good_utf8_file_registers_every_guest(client, api, operator):
    text = "\n".join([HEADER, row(mrz("A11111111"), "301"), row(mrz("B22222222", surname="DURAND"), "302")])

    response = upload(client, api, text)

    assert response.status_code == 201, response.content
    assert response.json()["imported"] == 2
    assert sorted(Registration.objects.values_list("room", flat=True)) == ["301", "302"]


def test_gbk_file_with_chinese_room_names_is_read(client, api, operator):
    text = "\r\n".join([HEADER, row(mrz("A11111111"), "东楼 1201")])

    response = upload(client, api, text, encoding="gbk")

    assert response.status_code == 201, response.content
    assert Registration.objects.get().room == "东楼 1201"


def test_utf8_file_with_a_byte_order_mark_is_read(client, api, operator):
    text = "\n".join([HEADER, row(mrz("A11111111"), "西楼 8")])

    assert upload(client, api, text, encoding="utf-8-sig").status_code == 201
    assert Registration.objects.get().room == "西楼 8"


def test_wrong_columns_give_one_error_naming_them(client, api, operator):
    text = "\n".join(["passport,room,arrival,departure", "X1,301,2026-03-10 18:30,2026-03-12"])

    response = upload(client, api, text)

    body = response.json()
    assert (response.status_code, body["code"]) == (422, "csv_wrong_columns")
    assert body["details"]["missing"] == ["mrz_line1", "mrz_line2", "expected_departure"]
    assert body["details"]["unexpected"] == ["passport", "departure"]
    assert "Missing: mrz_line1, mrz_line2, expected_departure." in body["message"]


def test_one_bad_row_imports_nothing_and_lists_each_problem_by_row(client, api, operator):
    text = "\n".join(
        [
            HEADER,
            row(mrz("A11111111"), "301"),
            row(mrz("B22222222", expiry=dt.date(2025, 1, 1)), "302"),
            row(mrz("C33333333"), "", arrival="10/03/2026"),
            row(mrz("A11111111"), "304"),
        ]
    )

    response = upload(client, api, text)

    body = response.json()
    assert (response.status_code, body["code"]) == (422, "csv_rows_invalid")
    assert [(problem["row"], problem["field"], problem["code"]) for problem in body["details"]["rows"]] == [
        (3, "mrz", "passport_expired"),
        (4, "arrival", "invalid_datetime"),
        (5, "mrz", "duplicate_in_file"),
    ]
    assert Registration.objects.count() == 0


def test_a_guest_already_registered_makes_the_file_fail_without_importing_the_rest(client, api, operator):
    services.register_guest(
        operator,
        services.StayIn(
            mrz=mrz("A11111111"),
            arrived_at=dt.datetime(2026, 3, 10, 18, 30),
            expected_departure=dt.date(2026, 3, 12),
            room="301",
        ),
    )
    text = "\n".join([HEADER, row(mrz("B22222222"), "302"), row(mrz("A11111111"), "301")])

    response = upload(client, api, text)

    assert [(p["row"], p["code"]) for p in response.json()["details"]["rows"]] == [
        (3, "duplicate_registration")
    ]
    assert Registration.objects.count() == 1


def test_binary_garbage_is_unreadable(client, api, operator):
    response = client.post(
        "/api/v1/accommodation/registrations/import",
        {"file": SimpleUploadedFile("guests.csv", b"\xff\xfe\x00\x81\x30\xff\xff", content_type="text/csv")},
        headers=api.headers,
    )

    assert (response.status_code, response.json()["code"]) == (422, "csv_unreadable")


def test_the_downloadable_template_imports_as_it_is(client, api, operator):
    template = client.get("/api/v1/accommodation/registrations/template.csv")
    assert template["Content-Type"] == "text/csv; charset=utf-8"

    response = upload(client, api, template.content.decode())

    assert (response.status_code, response.json()["imported"]) == (201, 1)
