"""Hotels register foreign guests and their checkouts through the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exitentry.accommodation import services
from exitentry.accommodation.models import Registration
from exitentry.accommodation.tests.factories import HotelFactory, hotel_operator, mrz
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.core import crypto
from exitentry.core.tests.stored import encryption_migration, raw, store_raw

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)  # 20:00 in Qingdao


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


def stay(**changes):
    return {
        "mrz": mrz(),
        "room": "305",
        "arrived_at": "2026-03-10T18:30:00",
        "expected_departure": "2026-03-12",
        **changes,
    }


def test_hotel_registers_a_guest_from_the_mrz_with_the_passport_masked(api, operator):
    response = api.post("/accommodation/registrations", stay())

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["guest_name"], body["nationality"], body["passport_number"]) == (
        "MARTIN, LUCAS",
        "FRA",
        "X*****678",
    )
    assert body["arrived_at"] == "2026-03-10T18:30:00+08:00"
    assert body["status"] == "current"
    registration = Registration.objects.get()
    assert (registration.passport_number, registration.room, registration.arrival_date) == (
        "X12345678",
        "305",
        dt.date(2026, 3, 10),
    )
    event = AuditEvent.objects.get(action="accommodation.guest_registered")
    assert event.summary["after"]["passport"] == "X*****678"


def test_invalid_mrz_is_refused_with_field_errors(api, operator):
    broken = mrz().replace("X12345678", "X12345679")

    response = api.post("/accommodation/registrations", stay(mrz=broken))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "registration_invalid"
    assert {(error["field"], error["code"]) for error in body["details"]["errors"]} >= {
        ("mrz", "mrz_invalid_check_digit")
    }
    assert Registration.objects.count() == 0


def test_expired_passport_is_refused(api, operator):
    response = api.post("/accommodation/registrations", stay(mrz=mrz(expiry=dt.date(2026, 3, 9))))

    assert response.status_code == 422
    assert response.json()["details"]["errors"] == [
        {"field": "mrz", "code": "passport_expired", "message": "The passport expired on 2026-03-09."}
    ]


def test_arrival_in_the_future_and_departure_before_arrival_are_both_reported(api, operator):
    response = api.post(
        "/accommodation/registrations",
        stay(arrived_at="2026-03-11T09:00:00", expected_departure="2026-03-10"),
    )

    codes = [(error["field"], error["code"]) for error in response.json()["details"]["errors"]]
    assert codes == [("arrived_at", "arrival_in_future"), ("expected_departure", "departure_before_arrival")]


def test_registering_the_same_guest_twice_is_a_409(api, operator):
    assert api.post("/accommodation/registrations", stay()).status_code == 201

    again = api.post("/accommodation/registrations", stay(room="306"))

    assert (again.status_code, again.json()["code"]) == (409, "duplicate_registration")
    assert Registration.objects.count() == 1


def test_duplicate_is_refused_by_the_database_even_when_the_check_before_misses_it(
    api, operator, monkeypatch
):
    assert api.post("/accommodation/registrations", stay()).status_code == 201
    monkeypatch.setattr(services, "_is_duplicate", lambda *args: False)  # as if a concurrent request

    again = api.post("/accommodation/registrations", stay())

    assert (again.status_code, again.json()["code"]) == (409, "duplicate_registration")
    assert Registration.objects.count() == 1


def test_same_guest_at_another_hotel_is_a_separate_registration(api, operator):
    hotel_operator(username="other-desk", hotel=HotelFactory())
    assert api.post("/accommodation/registrations", stay()).status_code == 201
    api.login("other-desk", PASSWORD)

    assert api.post("/accommodation/registrations", stay()).status_code == 201


def test_checkout_then_second_checkout_is_invalid_transition(api, operator):
    registration_id = api.post("/accommodation/registrations", stay()).json()["id"]

    first = api.post(f"/accommodation/registrations/{registration_id}/checkout", {})
    second = api.post(f"/accommodation/registrations/{registration_id}/checkout", {})

    assert (first.status_code, first.json()["status"]) == (200, "checked_out")
    assert (second.status_code, second.json()["code"]) == (409, "invalid_transition")
    assert Registration.objects.get().checked_out_at == NOW


def test_checkout_before_arrival_is_refused(api, operator):
    registration_id = api.post("/accommodation/registrations", stay()).json()["id"]

    response = api.post(
        f"/accommodation/registrations/{registration_id}/checkout",
        {"checked_out_at": "2026-03-10T18:00:00+08:00"},
    )

    assert (response.status_code, response.json()["code"]) == (422, "checkout_before_arrival")
    assert Registration.objects.get().status == "current"


def test_checkout_of_a_guest_whose_arrival_is_still_in_the_future_is_refused(api, operator):
    registration_id = api.post("/accommodation/registrations", stay()).json()["id"]

    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        response = api.post(f"/accommodation/registrations/{registration_id}/checkout", {})

    assert (response.status_code, response.json()["code"]) == (422, "arrival_in_future")


def test_a_hotel_cannot_check_out_another_hotels_guest(api, operator):
    registration_id = api.post("/accommodation/registrations", stay()).json()["id"]
    hotel_operator(username="other-desk")
    api.login("other-desk", PASSWORD)

    response = api.post(f"/accommodation/registrations/{registration_id}/checkout", {})

    assert response.status_code == 404


def test_operator_without_a_hotel_gets_a_clear_403(api):
    UserFactory(username="lonely", role="hotel_operator")
    api.login("lonely", PASSWORD)

    response = api.post("/accommodation/registrations", stay())

    assert (response.status_code, response.json()["code"]) == (403, "no_hotel")


def test_applicants_cannot_register_guests(api):
    UserFactory(username="someone", role="applicant")
    api.login("someone", PASSWORD)

    assert api.post("/accommodation/registrations", stay()).status_code == 403


def test_hotel_lists_its_current_guests_masked(api, operator):
    api.post("/accommodation/registrations", stay())
    api.post("/accommodation/registrations", stay(mrz=mrz("Y87654321", surname="DURAND"), room="306"))

    rows = api.get("/accommodation/registrations").json()

    assert [(row["room"], row["passport_number"]) for row in rows] == [
        ("305", "X*****678"),
        ("306", "Y*****321"),
    ]


def _stored_passport(registration_id):
    return raw("accommodation_registration", "passport_number", registration_id)


def test_the_guest_passport_number_is_encrypted_at_rest_and_duplicates_still_refused(api, operator):
    first = api.post("/accommodation/registrations", stay())
    again = api.post("/accommodation/registrations", stay(room="306"))

    assert (first.status_code, again.status_code) == (201, 409)
    registration_id = Registration.objects.get().pk
    stored = _stored_passport(registration_id)
    digest = raw("accommodation_registration", "passport_number_digest", registration_id)
    assert stored.startswith("e1:")
    assert "12345678" not in stored
    assert digest == crypto.digest("document_number", "X12345678")
    assert Registration.objects.get(passport_number="x12345678").room == "305"


def test_the_data_migration_encrypts_clear_guest_passport_numbers(api, operator):
    assert api.post("/accommodation/registrations", stay()).status_code == 201
    registration = Registration.objects.get()
    # as the row was before the migration
    store_raw(
        "accommodation_registration",
        registration.pk,
        passport_number="X12345678",
        passport_number_digest=None,
    )
    forward, backward = encryption_migration("accommodation.Registration")

    forward()

    assert _stored_passport(registration.pk).startswith("e1:")
    assert Registration.objects.get(nationality="FRA", passport_number="X12345678") == registration
    backward()
    assert _stored_passport(registration.pk) == "X12345678"


def test_the_admin_finds_a_registration_by_the_whole_passport_number(api, operator, client):
    assert api.post("/accommodation/registrations", stay()).status_code == 201
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    changelist = reverse("admin:accommodation_registration_changelist")

    found = client.get(changelist, {"q": "X12345678"})
    not_found = client.get(changelist, {"q": "X1234567"})

    assert list(found.context["cl"].result_list) == [Registration.objects.get()]
    assert list(not_found.context["cl"].result_list) == []
    assert "X*****678" in found.content.decode()  # the list shows it masked
