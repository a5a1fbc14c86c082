"""Private hosts register without an account; police read registrations of their areas only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from exitentry.accommodation import services
from exitentry.accommodation.models import Registration
from exitentry.accommodation.tests.factories import (
    AreaFactory,
    HotelFactory,
    hotel_operator,
    mrz,
    police_officer,
)
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def private_stay(area_code: str, **changes):
    return {
        "host_name": "Wang Fang",
        "host_phone": "13800000001",
        "address": "Room 502, 8 Xianggang Road",
        "area": area_code,
        "mrz": mrz(),
        "arrived_at": "2026-03-10T15:00:00+08:00",
        "expected_departure": "2026-03-14",
        **changes,
    }


def register_at_hotel(hotel, number: str, arrived_at: dt.datetime) -> Registration:
    operator = hotel_operator(hotel=hotel)
    return services.register_guest(
        operator,
        services.StayIn(
            mrz=mrz(number), arrived_at=arrived_at, expected_departure=dt.date(2026, 3, 14), room="101"
        ),
    )


def test_private_host_registers_and_later_checks_out_with_the_edit_token(api):
    area = AreaFactory(code="370202")

    created = api.post("/accommodation/private-stays", private_stay(area.code))

    assert created.status_code == 201, created.content
    reference, token = created.json()["reference"], created.json()["edit_token"]
    registration = Registration.objects.get(reference=reference)
    assert (registration.kind, registration.area, registration.hotel, registration.host_name) == (
        "private",
        area,
        None,
        "Wang Fang",
    )
    assert token not in registration.edit_token_hash

    wrong = api.post(f"/accommodation/private-stays/{reference}/checkout", {"edit_token": "guess"})
    right = api.post(f"/accommodation/private-stays/{reference}/checkout", {"edit_token": token})

    assert wrong.status_code == 404
    assert (right.status_code, right.json()["status"]) == (200, "checked_out")


def test_private_host_form_reports_every_missing_detail(api):
    response = api.post("/accommodation/private-stays", private_stay("999999", host_name=" ", address=""))

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["details"]["errors"]] == [
        ("area", "unknown_area"),
        ("host_name", "host_name_required"),
        ("address", "address_required"),
    ]


def test_same_guest_at_the_same_home_twice_is_a_409(api):
    AreaFactory(code="370202")
    assert api.post("/accommodation/private-stays", private_stay("370202")).status_code == 201

    again = api.post(
        "/accommodation/private-stays", private_stay("370202", address="room 502,  8 XIANGGANG road")
    )

    assert (again.status_code, again.json()["code"]) == (409, "duplicate_registration")


def test_police_see_only_current_registrations_in_their_areas_masked(api):
    shinan, shibei = AreaFactory(code="370202"), AreaFactory(code="370203")
    here = register_at_hotel(HotelFactory(area=shinan), "A11111111", dt.datetime(2026, 3, 10, 9, 0))
    register_at_hotel(HotelFactory(area=shibei), "B22222222", dt.datetime(2026, 3, 10, 9, 0))
    police_officer(shinan, username="police-shinan")
    api.login("police-shinan", PASSWORD)

    rows = api.get("/accommodation/registrations").json()

    assert [(row["reference"], row["passport_number"], row["area"]) for row in rows] == [
        (here.reference, "A*****111", "370202")
    ]


def test_police_full_record_view_is_audited_and_other_areas_are_not_found(api):
    shinan, shibei = AreaFactory(code="370202"), AreaFactory(code="370203")
    here = register_at_hotel(HotelFactory(area=shinan), "A11111111", dt.datetime(2026, 3, 10, 9, 0))
    elsewhere = register_at_hotel(HotelFactory(area=shibei), "B22222222", dt.datetime(2026, 3, 10, 9, 0))
    officer = police_officer(shinan, username="police-shinan")
    api.login("police-shinan", PASSWORD)

    full = api.get(f"/accommodation/registrations/{here.pk}")
    other = api.get(f"/accommodation/registrations/{elsewhere.pk}")

    assert (full.status_code, full.json()["passport_number"]) == (200, "A11111111")
    assert other.status_code == 404
    access = AuditEvent.objects.get(action="personal_record.viewed")
    assert (access.actor, access.object_id, access.summary["purpose"]) == (
        officer,
        str(here.pk),
        "police_accommodation",
    )


def test_hotel_operators_cannot_open_full_records(api):
    registration = register_at_hotel(HotelFactory(), "A11111111", dt.datetime(2026, 3, 10, 9, 0))
    hotel_operator(username="desk", hotel=registration.hotel)
    api.login("desk", PASSWORD)

    assert api.get(f"/accommodation/registrations/{registration.pk}").status_code == 403


def test_registrations_made_more_than_24_hours_after_arrival_are_flagged_once():
    hotel = HotelFactory()
    late = register_at_hotel(hotel, "A11111111", dt.datetime(2026, 3, 9, 11, 59))  # 24h01m before now (local)
    on_time = register_at_hotel(hotel, "B22222222", dt.datetime(2026, 3, 9, 20, 0))

    assert services.flag_late_registrations() == [late.reference]
    assert services.flag_late_registrations() == []

    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.flagged_late_at, on_time.flagged_late_at) == (NOW, None)
    assert AuditEvent.objects.filter(action="accommodation.late_registrations_flagged").count() == 1


def test_the_periodic_task_is_registered():
    from exitentry.core.scheduling import discover

    assert "exitentry.accommodation.tasks.flag_late_registrations" in discover()
