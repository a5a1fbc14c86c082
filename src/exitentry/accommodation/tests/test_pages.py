"""The hotel, private-host and police pages through Django's test client."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accommodation import services
from exitentry.accommodation.models import Registration
from exitentry.accommodation.tests.factories import (
    AreaFactory,
    HotelFactory,
    hotel_operator,
    mrz,
    police_officer,
)
from exitentry.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
EN = {"Accept-Language": "en"}
HEADER = "mrz_line1,mrz_line2,room,arrival,expected_departure"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def csv_row(zone: str, room: str, arrival: str = "2026-03-10 18:30") -> str:
    return ",".join([*zone.split("\n"), room, arrival, "2026-03-12"])


def test_hotel_page_lists_guests_with_masked_passports(client):
    operator = hotel_operator()
    services.register_guest(
        operator,
        services.StayIn(
            mrz=mrz(),
            arrived_at=dt.datetime(2026, 3, 10, 9, 0),
            expected_departure=dt.date(2026, 3, 12),
            room="305",
        ),
    )
    client.force_login(operator)

    html = client.get("/accommodation/hotel/", headers=EN).content.decode()

    assert "1 guest staying" in html
    assert "X*****678" in html
    assert "X12345678" not in html


def test_bad_csv_upload_shows_row_errors_and_imports_nothing_then_a_good_one_works(client):
    client.force_login(hotel_operator())
    bad = "\n".join(
        [HEADER, csv_row(mrz("A11111111"), "301"), csv_row(mrz("B22222222"), "302", arrival="soon")]
    )

    response = client.post(
        "/accommodation/hotel/upload/",
        {"upload-file": SimpleUploadedFile("guests.csv", bad.encode(), content_type="text/csv")},
        headers=EN,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "<td>3</td>" in html
    assert "Write the arrival as YYYY-MM-DD HH:MM." in html
    assert Registration.objects.count() == 0

    good = "\n".join([HEADER, csv_row(mrz("A11111111"), "301"), csv_row(mrz("B22222222"), "302")])
    response = client.post(
        "/accommodation/hotel/upload/",
        {"upload-file": SimpleUploadedFile("guests.csv", good.encode("gbk"), content_type="text/csv")},
        headers=EN,
        follow=True,
    )
    assert "2 guests were registered from the file." in response.content.decode()
    assert Registration.objects.count() == 2


def test_register_form_shows_field_errors_from_the_service(client):
    client.force_login(hotel_operator())

    response = client.post(
        "/accommodation/hotel/register/",
        {
            "stay-mrz": mrz(expiry=dt.date(2026, 1, 1)),
            "stay-room": "12",
            "stay-arrived_at": "2026-03-10T09:00",
            "stay-expected_departure": "2026-03-12",
        },
        headers=EN,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert '<a href="#id_stay-mrz">The passport expired on 2026-01-01.</a>' in html


def test_private_host_gets_reference_and_edit_code(client):
    AreaFactory(code="370202")

    response = client.post(
        "/accommodation/private/",
        {
            "host_name": "Wang Fang",
            "host_phone": "13800000001",
            "address": "8 Xianggang Road",
            "area": "370202",
            "mrz": mrz(),
            "arrived_at": "2026-03-10T15:00",
            "expected_departure": "2026-03-14",
        },
        headers=EN,
    )

    registration = Registration.objects.get()
    html = response.content.decode()
    assert response.status_code == 201
    assert f'<p class="accommodation-reference" id="reference">{registration.reference}</p>' in html
    assert "Register within" not in html


def test_police_list_is_masked_and_the_detail_view_is_audited(client):
    area = AreaFactory(code="370202")
    operator = hotel_operator(hotel=HotelFactory(area=area))
    registration = services.register_guest(
        operator,
        services.StayIn(
            mrz=mrz(),
            arrived_at=dt.datetime(2026, 3, 10, 9, 0),
            expected_departure=dt.date(2026, 3, 12),
            room="305",
        ),
    )
    officer = police_officer(area)
    client.force_login(officer)

    listing = client.get("/accommodation/police/", headers=EN).content.decode()
    detail = client.get(f"/accommodation/police/{registration.pk}/", headers=EN).content.decode()

    assert "X*****678" in listing
    assert "X12345678" not in listing
    assert '<dd id="passport-number">X12345678' in detail
    assert AuditEvent.objects.filter(action="personal_record.viewed", actor=officer).count() == 1


def test_police_of_another_area_get_404_and_hotel_operators_403(client):
    registration = services.register_guest(
        hotel_operator(),
        services.StayIn(
            mrz=mrz(),
            arrived_at=dt.datetime(2026, 3, 10, 9, 0),
            expected_departure=dt.date(2026, 3, 12),
            room="305",
        ),
    )
    client.force_login(police_officer(AreaFactory(code="370299")))
    assert client.get(f"/accommodation/police/{registration.pk}/").status_code == 404

    client.force_login(hotel_operator())
    assert client.get("/accommodation/police/").status_code == 403
