from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments import services
from exitentry.appointments.models import Appointment, AppointmentStatus, IdempotencyRecord
from exitentry.appointments.tasks import mark_no_shows, purge_idempotency_records
from exitentry.appointments.tests.conftest import bearer
from exitentry.audit.models import AuditEvent
from exitentry.core import clock
from exitentry.core.errors import InvalidTransition
from exitentry.servicepoints.models import Slot
from exitentry.servicepoints.tests.factories import SlotFactory, hall_with_weekday_hours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

TUESDAY_10 = clock.local_datetime(dt.date(2026, 9, 22), dt.time(10))


def booked(user: Any, capacity: int = 1, key: str = "k") -> tuple[Appointment, Slot]:
    slot = SlotFactory(service_point=hall_with_weekday_hours(), start=TUESDAY_10, capacity=capacity)
    outcome = services.book_slot(user, slot.pk, "passport.renewal", key)
    return Appointment.objects.get(pk=outcome.appointment_id), slot


def test_cancelling_frees_the_place_for_someone_else(api: Any, applicant: Any) -> None:
    appointment, slot = booked(applicant)

    response = api.delete(f"/appointments/{appointment.pk}", headers=bearer(applicant))

    assert response.status_code == 204
    appointment.refresh_from_db()
    slot.refresh_from_db()
    assert (appointment.status, appointment.cancelled_at) == (AppointmentStatus.CANCELLED, clock.now())
    assert slot.booked == 0
    assert (
        AuditEvent.objects.filter(action="appointment.cancelled", object_id=str(appointment.pk)).count() == 1
    )
    other = api.post(
        "/appointments",
        {"slot_id": slot.pk, "service": "passport.renewal"},
        headers={**bearer(UserFactory()), "Idempotency-Key": "k"},
    )
    assert other.status_code == 201


def test_after_cancelling_the_same_service_can_be_booked_again(applicant: Any) -> None:
    appointment, slot = booked(applicant, capacity=2)
    services.cancel_appointment(applicant, appointment.pk)

    again = services.book_slot(applicant, slot.pk, "passport.renewal", "second-key")

    assert again.status == 201
    slot.refresh_from_db()
    assert slot.booked == 1


def test_cancelling_twice_is_409_and_frees_only_one_place(api: Any, applicant: Any) -> None:
    appointment, slot = booked(applicant)
    api.delete(f"/appointments/{appointment.pk}", headers=bearer(applicant))

    response = api.delete(f"/appointments/{appointment.pk}", headers=bearer(applicant))

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    slot.refresh_from_db()
    assert slot.booked == 0


def test_someone_elses_appointment_looks_like_none(api: Any, applicant: Any) -> None:
    appointment, slot = booked(applicant)
    stranger = bearer(UserFactory())

    deleted = api.delete(f"/appointments/{appointment.pk}", headers=stranger)
    read = api.get(f"/appointments/{appointment.pk}", headers=stranger)
    missing = api.get("/appointments/999999", headers=stranger)

    assert (deleted.status_code, read.status_code, missing.status_code) == (404, 404, 404)
    assert deleted.json()["code"] == read.json()["code"] == missing.json()["code"] == "appointment_not_found"
    appointment.refresh_from_db()
    slot.refresh_from_db()
    assert (appointment.status, slot.booked) == (AppointmentStatus.BOOKED, 1)


def test_an_appointment_that_has_begun_cannot_be_cancelled(api: Any, applicant: Any) -> None:
    appointment, slot = booked(applicant)

    with time_machine.travel(TUESDAY_10, tick=False):
        response = api.delete(f"/appointments/{appointment.pk}", headers=bearer(applicant))

    assert response.status_code == 409
    assert response.json()["code"] == "appointment_started"
    slot.refresh_from_db()
    assert slot.booked == 1


def test_the_booked_count_never_goes_below_zero(applicant: Any) -> None:
    appointment, slot = booked(applicant)
    Slot.objects.filter(pk=slot.pk).update(booked=0)  # e.g. repaired by hand meanwhile

    services.cancel_appointment(applicant, appointment.pk)

    slot.refresh_from_db()
    assert slot.booked == 0


def test_no_shows_are_marked_after_the_slot_ends(applicant: Any) -> None:
    appointment, slot = booked(applicant)
    checked_in, _other_slot = booked(UserFactory())
    with time_machine.travel(TUESDAY_10, tick=False):
        services.check_in_appointment(checked_in, actor="ticket-machine")

    with time_machine.travel(slot.end - dt.timedelta(seconds=1), tick=False):
        assert mark_no_shows.enqueue().return_value == 0
    with time_machine.travel(slot.end, tick=False):
        assert mark_no_shows.enqueue().return_value == 1

    appointment.refresh_from_db()
    checked_in.refresh_from_db()
    assert (appointment.status, appointment.finished_at) == (AppointmentStatus.NO_SHOW, slot.end)
    assert checked_in.status == AppointmentStatus.CHECKED_IN


def test_check_in_is_only_on_the_day_and_then_completes(applicant: Any) -> None:
    appointment, _slot = booked(applicant)

    with pytest.raises(services.CheckInNotToday):
        services.check_in_appointment(appointment, actor="ticket-machine")
    with time_machine.travel(TUESDAY_10 - dt.timedelta(hours=2), tick=False):
        services.check_in_appointment(services.find_by_code(appointment.code.lower()), actor="ticket-machine")
    appointment.refresh_from_db()
    services.complete_appointment(appointment, actor="officer")

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    assert appointment.checked_in_at == TUESDAY_10 - dt.timedelta(hours=2)
    with pytest.raises(InvalidTransition):
        services.cancel_appointment(applicant, appointment.pk)


def test_a_cancelled_appointment_cannot_be_checked_in(applicant: Any) -> None:
    appointment, _slot = booked(applicant)
    services.cancel_appointment(applicant, appointment.pk)

    with time_machine.travel(TUESDAY_10, tick=False), pytest.raises(InvalidTransition):
        services.check_in_appointment(appointment, actor="ticket-machine")


def test_booked_between_counts_people_still_expected(applicant: Any) -> None:
    _appointment, slot = booked(applicant, capacity=3)
    services.book_slot(UserFactory(), slot.pk, "passport.renewal", "k")
    cancelled = services.book_slot(UserFactory(), slot.pk, "passport.renewal", "k")
    services.cancel_appointment(
        Appointment.objects.get(pk=cancelled.appointment_id).user, cancelled.appointment_id
    )

    count = services.booked_between(slot.service_point, TUESDAY_10, TUESDAY_10 + dt.timedelta(hours=1))

    assert count == 2


def test_old_idempotency_records_are_purged(applicant: Any) -> None:
    booked(applicant)
    assert IdempotencyRecord.objects.count() == 1

    with time_machine.travel(clock.now() + dt.timedelta(days=8), tick=False):
        assert purge_idempotency_records.enqueue().return_value == 1

    assert IdempotencyRecord.objects.count() == 0


def test_impossible_appointment_ids_are_422(api: Any, applicant: Any) -> None:
    headers = bearer(applicant)

    read = api.get("/appointments/99999999999999999999", headers=headers)
    deleted = api.delete("/appointments/0", headers=headers)

    assert (read.status_code, deleted.status_code) == (422, 422)
