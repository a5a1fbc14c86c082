from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment, AppointmentStatus, BookingPolicy, IdempotencyRecord
from exitentry.appointments.tests.conftest import bearer
from exitentry.audit.models import AuditEvent
from exitentry.core import clock
from exitentry.servicepoints.models import Skill, Slot
from exitentry.servicepoints.tests.factories import (
    ClosureFactory,
    SlotFactory,
    hall_with_weekday_hours,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

TUESDAY = dt.date(2026, 9, 22)


def tuesday_slot(capacity: int = 2, hour: int = 10, **kwargs: Any) -> Slot:
    hall = kwargs.pop("service_point", None) or hall_with_weekday_hours()
    return SlotFactory(
        service_point=hall, start=clock.local_datetime(TUESDAY, dt.time(hour)), capacity=capacity, **kwargs
    )


def book(
    api: Any, user: Any, slot_id: int, service: str = "passport.renewal", key: str | None = "k-1"
) -> Any:
    headers = bearer(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.post("/appointments", {"slot_id": slot_id, "service": service}, headers=headers)


def test_booking_answers_201_with_the_appointment(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()

    response = book(api, applicant, slot.pk)

    assert response.status_code == 201
    appointment = Appointment.objects.get()
    assert response.json() == {
        "id": appointment.pk,
        "code": appointment.code,
        "slot_id": slot.pk,
        "status": "booked",
    }
    assert (appointment.user, appointment.service_code, appointment.status) == (
        applicant,
        "passport.renewal",
        AppointmentStatus.BOOKED,
    )
    assert len(appointment.code) == 10
    slot.refresh_from_db()
    assert slot.booked == 1
    event = AuditEvent.objects.get(action="appointment.booked")
    assert (event.actor, event.object_id) == (applicant, str(appointment.pk))


def test_booking_last_place_twice_sells_it_once(api: Any) -> None:
    slot = tuesday_slot(capacity=1)
    first, second = UserFactory(), UserFactory()

    won = book(api, first, slot.pk)
    lost = book(api, second, slot.pk)

    assert won.status_code == 201
    assert lost.status_code == 409
    assert lost.json()["code"] == "slot_full"
    slot.refresh_from_db()
    assert (slot.booked, slot.capacity) == (1, 1)
    assert list(Appointment.objects.values_list("user", flat=True)) == [first.pk]


def test_booking_the_same_service_twice_is_already_booked(api: Any, applicant: Any) -> None:
    first_slot = tuesday_slot(hour=10)
    second_slot = tuesday_slot(hour=11, service_point=first_slot.service_point)

    assert book(api, applicant, first_slot.pk, key="a").status_code == 201
    again = book(api, applicant, second_slot.pk, key="b")

    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"
    second_slot.refresh_from_db()
    assert second_slot.booked == 0
    assert Appointment.objects.count() == 1


def test_another_service_can_be_booked_alongside(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()

    assert book(api, applicant, slot.pk, "passport.renewal", key="a").status_code == 201
    assert book(api, applicant, slot.pk, "hk_macau_permit.first_issue", key="b").status_code == 201

    slot.refresh_from_db()
    assert slot.booked == 2


def test_the_partial_unique_index_refuses_a_second_active_appointment(applicant: Any) -> None:
    from django.db import IntegrityError, transaction

    slot = tuesday_slot()
    now = clock.now()
    fields = {
        "user": applicant,
        "slot": slot,
        "service_code": "passport.renewal",
        "booked_at": now,
        "updated_at": now,
    }
    Appointment.objects.create(code="AAAAAAAAAA", status=AppointmentStatus.CANCELLED, **fields)
    Appointment.objects.create(code="BBBBBBBBBB", **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(code="CCCCCCCCCC", status=AppointmentStatus.CHECKED_IN, **fields)


def test_the_check_constraint_refuses_overselling_a_slot() -> None:
    from django.db import IntegrityError, transaction

    slot = tuesday_slot(capacity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=2)


def test_replaying_the_same_key_returns_the_same_answer_and_books_once(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()

    first = book(api, applicant, slot.pk, key="retry-me")
    replay = book(api, applicant, slot.pk, key="retry-me")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert Appointment.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked == 1
    assert IdempotencyRecord.objects.get().response_body == first.json()


def test_replay_answers_the_same_even_after_cancelling(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    first = book(api, applicant, slot.pk, key="once")
    api.delete(f"/appointments/{first.json()['id']}", headers=bearer(applicant))

    replay = book(api, applicant, slot.pk, key="once")

    assert replay.json() == first.json()
    assert Appointment.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    other = tuesday_slot(hour=11, service_point=slot.service_point)
    book(api, applicant, slot.pk, key="k")

    response = book(api, applicant, other.pk, key="k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    other.refresh_from_db()
    assert other.booked == 0


def test_keys_belong_to_one_account(api: Any) -> None:
    slot = tuesday_slot()

    first = book(api, UserFactory(), slot.pk, key="same")
    second = book(api, UserFactory(), slot.pk, key="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_a_refused_booking_is_not_remembered_under_its_key(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=1)
    book(api, UserFactory(), slot.pk, key="x")
    assert book(api, applicant, slot.pk, key="try").json()["code"] == "slot_full"
    Slot.objects.filter(pk=slot.pk).update(capacity=2)

    retry = book(api, applicant, slot.pk, key="try")

    assert retry.status_code == 201


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "idempotency_key_required"),
        ("has space", "invalid_idempotency_key"),
        ("x" * 101, "invalid_idempotency_key"),
    ],
)
def test_the_idempotency_key_is_required_and_checked(
    api: Any, applicant: Any, key: str | None, code: str
) -> None:
    slot = tuesday_slot()

    response = book(api, applicant, slot.pk, key=key)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert Appointment.objects.count() == 0


def test_booking_needs_a_signed_in_caller(api: Any) -> None:
    slot = tuesday_slot()

    response = api.post(
        "/appointments", {"slot_id": slot.pk, "service": "passport.renewal"}, headers={"Idempotency-Key": "k"}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"slot_id": 999999, "service": "passport.renewal"}, 404, "slot_not_found"),
        ({"slot_id": "SLOT", "service": "passport.renewal"}, 422, "validation_error"),
        ({"service": "passport.renewal"}, 422, "validation_error"),
        ({"slot_id": 1, "service": ""}, 422, "validation_error"),
    ],
)
def test_malformed_or_unknown_slots_are_refused(
    api: Any, applicant: Any, body: dict[str, Any], status: int, code: str
) -> None:
    response = api.post("/appointments", body, headers={**bearer(applicant), "Idempotency-Key": "k"})

    assert response.status_code == status
    assert response.json()["code"] == code


def test_an_unknown_service_is_422(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()

    response = book(api, applicant, slot.pk, service="passport.teleport")

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_service"


def test_a_slot_for_another_skill_is_422(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(skill=Skill.FOREIGNERS)

    response = book(api, applicant, slot.pk)

    assert response.status_code == 422
    assert response.json()["code"] == "slot_wrong_service"


def test_a_past_slot_is_409(api: Any, applicant: Any) -> None:
    slot = SlotFactory(
        service_point=hall_with_weekday_hours(),
        start=clock.local_datetime(dt.date(2026, 9, 21), dt.time(9, 30)),
    )

    response = book(api, applicant, slot.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "slot_in_past"


def test_a_slot_on_a_closed_day_is_409(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    ClosureFactory(service_point=slot.service_point, starts_on=TUESDAY, ends_on=TUESDAY)

    response = book(api, applicant, slot.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "slot_closed"
    assert response.json()["details"]["reason"] == "System upgrade"


def test_a_slot_on_a_public_holiday_is_409(api: Any, applicant: Any) -> None:
    slot = SlotFactory(
        service_point=hall_with_weekday_hours(), start=clock.local_datetime(dt.date(2026, 10, 1), dt.time(10))
    )

    response = book(api, applicant, slot.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "slot_closed"


def test_errors_are_translated(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=1)
    book(api, UserFactory(), slot.pk)

    response = api.post(
        "/appointments",
        {"slot_id": slot.pk, "service": "passport.renewal"},
        headers={**bearer(applicant), "Idempotency-Key": "k", "Accept-Language": "en"},
    )

    assert response.json()["message"] == "This time is fully booked. Please choose another time."


def test_days_open_for_booking_follow_the_policy_and_its_release_time(api: Any, applicant: Any) -> None:
    hall = hall_with_weekday_hours()
    BookingPolicy.objects.update(days_ahead=7, release_time=dt.time(8, 0))
    next_monday = SlotFactory(
        service_point=hall, start=clock.local_datetime(dt.date(2026, 9, 28), dt.time(10))
    )

    with time_machine.travel(clock.local_datetime(dt.date(2026, 9, 21), dt.time(7, 59)), tick=False):
        early = book(api, applicant, next_monday.pk, key="early")
    with time_machine.travel(clock.local_datetime(dt.date(2026, 9, 21), dt.time(8, 0)), tick=False):
        on_time = book(api, applicant, next_monday.pk, key="on-time")

    assert early.status_code == 409
    assert early.json()["code"] == "booking_not_open_yet"
    assert early.json()["details"] == {"opens_at": "2026-09-21T08:00:00+08:00"}
    assert on_time.status_code == 201


def test_a_point_policy_beats_the_provincewide_one(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    BookingPolicy.objects.create(
        service_point=slot.service_point,
        days_ahead=1,
        release_time=dt.time(12, 0),
        max_active_per_account=1,
        requests_per_ip_per_minute=10,
        effective_from=dt.date(2026, 1, 1),
    )

    response = book(api, applicant, slot.pk)  # Monday 10:00: Tuesday opens at noon

    assert response.json()["code"] == "booking_not_open_yet"


def test_without_a_policy_booking_is_closed(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    BookingPolicy.objects.all().delete()

    response = book(api, applicant, slot.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "booking_closed"


def test_one_account_holds_at_most_the_policy_number_of_appointments(api: Any, applicant: Any) -> None:
    BookingPolicy.objects.update(max_active_per_account=1)
    slot = tuesday_slot()

    assert book(api, applicant, slot.pk, "passport.renewal", key="a").status_code == 201
    second = book(api, applicant, slot.pk, "hk_macau_permit.first_issue", key="b")

    assert second.status_code == 409
    assert second.json()["code"] == "too_many_appointments"
    assert second.json()["details"] == {"limit": 1}


def test_too_many_requests_from_one_address_are_429(api: Any) -> None:
    BookingPolicy.objects.update(requests_per_ip_per_minute=3)
    slot = tuesday_slot(capacity=10)
    users = [UserFactory() for _ in range(4)]

    answers = [book(api, user, slot.pk).status_code for user in users]

    assert answers == [201, 201, 201, 429]
    response = book(api, UserFactory(), slot.pk)
    assert response.json()["code"] == "booking_rate_limited"


def test_my_appointments_lists_only_mine(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    mine = book(api, applicant, slot.pk).json()
    book(api, UserFactory(), slot.pk)

    response = api.get("/appointments", headers={**bearer(applicant), "Accept-Language": "en"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mine["id"],
            "code": mine["code"],
            "slot_id": slot.pk,
            "service": "passport.renewal",
            "status": "booked",
            "status_label": "Booked",
            "start": "2026-09-22T10:00:00+08:00",
            "end": "2026-09-22T10:30:00+08:00",
            "service_point_id": slot.service_point_id,
            "service_point": slot.service_point.names["en"],
            "booked_at": "2026-09-21T10:00:00+08:00",
        }
    ]
