"""The ticket machine: numbers, check-in windows, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from exitentry.appointments.models import AppointmentStatus
from exitentry.appointments.services import AppointmentNotFound
from exitentry.audit.models import AuditEvent
from exitentry.queueing import services
from exitentry.queueing.models import Priority, QueuePolicy, Ticket, TicketSequence, TicketStatus
from exitentry.queueing.tests.factories import A, B, appointment, at, make_hall, staff, walk_in
from exitentry.servicepoints.models import Skill
from exitentry.servicepoints.services import UnknownService

pytestmark = pytest.mark.django_db


def test_numbers_run_per_letter_per_hall_per_day(frozen: Any) -> None:
    hall = make_hall()
    other = make_hall()

    first_day = [walk_in(hall, A).number, walk_in(hall, A).number, walk_in(hall, B).number]
    elsewhere = walk_in(other, A).number
    frozen.move_to(at(10, day=dt.date(2026, 9, 22)))
    next_day = walk_in(hall, A).number

    assert first_day == ["A001", "A002", "B001"]
    assert elsewhere == "A001"
    assert next_day == "A001"
    assert (
        TicketSequence.objects.get(service_point=hall, day=dt.date(2026, 9, 21), letter="A").last_number == 2
    )


def test_a_ticket_for_a_catalog_service_queues_for_its_skill(frozen: Any) -> None:
    hall = make_hall()

    ticket = services.issue_ticket(hall, service_code="hk_macau_endorsement.G")

    assert (ticket.skill, ticket.service_code, ticket.number) == (B, "hk_macau_endorsement.G", "B001")
    assert ticket.priority == Priority.WALK_IN


def test_a_walk_in_becomes_due_after_the_fairness_threshold(frozen: Any) -> None:
    hall = make_hall({"1": [A, Skill.EMERGENCY, Skill.GREEN_CHANNEL]})

    walker = walk_in(hall)
    emergency = walk_in(hall, Skill.EMERGENCY)
    green = walk_in(hall, Skill.GREEN_CHANNEL)

    assert (walker.priority, walker.due_at) == (Priority.WALK_IN, at(10, 30))
    assert (emergency.priority, emergency.due_at) == (Priority.EMERGENCY, at(10))
    assert (green.priority, green.due_at, green.number) == (Priority.GREEN_CHANNEL, at(10), "G001")


def test_issuing_is_audited_with_the_phone_masked(frozen: Any) -> None:
    hall = make_hall()

    ticket = walk_in(hall, phone="138 1234 5678")

    assert ticket.phone == "13812345678"
    event = AuditEvent.objects.get(action="queueing.ticket_issued")
    assert (event.object_id, event.summary["number"], event.summary["phone"]) == (
        str(ticket.pk),
        "A001",
        "138****5678",
    )


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "+0123456789", "phone"])
def test_a_phone_that_is_not_a_mobile_number_is_refused(frozen: Any, phone: str) -> None:
    hall = make_hall()

    with pytest.raises(services.InvalidPhone):
        walk_in(hall, phone=phone)
    assert not Ticket.objects.exists()


def test_no_tickets_while_the_hall_is_closed(frozen: Any) -> None:
    hall = make_hall()
    frozen.move_to(at(18, 0))

    with pytest.raises(services.HallClosed):
        walk_in(hall)


def test_a_skill_without_a_counter_here_is_refused(frozen: Any) -> None:
    hall = make_hall({"1": [A]})

    with pytest.raises(services.SkillNotOffered):
        walk_in(hall, Skill.FOREIGNERS)
    with pytest.raises(services.UnknownSkill):
        walk_in(hall, "juggling")
    with pytest.raises(UnknownService):
        services.issue_ticket(hall, service_code="nothing.here")


@pytest.mark.parametrize(
    ("hour", "minute", "outcome"),
    [
        (10, 29, "check_in_too_early"),
        (10, 30, "ok"),
        (11, 0, "ok"),
        (11, 15, "ok"),
        (11, 16, "check_in_too_late"),
    ],
)
def test_check_in_is_open_from_30_minutes_before_to_15_after_the_slot_start(
    frozen: Any, hour: int, minute: int, outcome: str
) -> None:
    hall = make_hall()
    booked = appointment(hall, at(11, 0))
    frozen.move_to(at(hour, minute))

    try:
        ticket = services.check_in(booked.code, hall).ticket
        result = "ok"
    except (services.CheckInTooEarly, services.CheckInTooLate) as error:
        result = error.code
        ticket = None

    assert result == outcome
    booked.refresh_from_db()
    if outcome == "ok":
        assert ticket is not None
        assert (ticket.priority, ticket.appointment_id, ticket.due_at) == (
            Priority.APPOINTMENT,
            booked.pk,
            max(at(hour, minute), at(11, 0)),
        )
        assert booked.status == AppointmentStatus.CHECKED_IN
    else:
        assert booked.status == AppointmentStatus.BOOKED


def test_the_check_in_window_is_data(frozen: Any) -> None:
    QueuePolicy.objects.filter(service_point__isnull=True).update(check_in_opens_minutes=90)
    hall = make_hall()
    booked = appointment(hall, at(11, 0))
    frozen.move_to(at(9, 30))

    assert services.check_in(booked.code, hall).ticket.number == "A001"


def test_too_early_says_when_check_in_opens(frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(12, 0))

    with pytest.raises(services.CheckInTooEarly) as caught:
        services.check_in(booked.code, hall)

    assert caught.value.details["opens_at"] == "2026-09-21T11:30:00+08:00"
    assert "11:30" in str(caught.value.message)


def test_checking_in_twice_gives_the_same_ticket(frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 15))

    first = services.check_in(booked.code.lower(), hall)
    again = services.check_in(booked.code, hall)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.ticket.pk == first.ticket.pk
    assert Ticket.objects.count() == 1


def test_an_appointment_for_another_hall_cannot_check_in_here(frozen: Any) -> None:
    hall = make_hall()
    elsewhere = make_hall()
    booked = appointment(elsewhere, at(10, 15))

    with pytest.raises(services.AppointmentAtAnotherHall):
        services.check_in(booked.code, hall)


def test_a_cancelled_appointment_cannot_check_in(frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 15))
    booked.status = AppointmentStatus.CANCELLED
    booked.save()

    with pytest.raises(services.AppointmentNotActive):
        services.check_in(booked.code, hall)


@pytest.mark.parametrize("code", ["", "NOPE", "ABCDEFGHJK", "<script>", "A" * 40])
def test_an_unknown_code_is_not_found(frozen: Any, code: str) -> None:
    hall = make_hall()

    with pytest.raises(AppointmentNotFound):
        services.check_in(code, hall)


def test_a_new_ticket_knows_the_people_ahead_and_its_predicted_wait(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    services.open_counter(hall.counters.get(), staff(hall))
    walk_in(hall)
    walk_in(hall)

    third = walk_in(hall)
    outlook = services.ticket_outlook(third)

    # Nobody at the counter yet: k = 0 busy + 2 ahead − 1 counter + 1 = 2 services of 8 minutes.
    assert (outlook.people_ahead, outlook.predicted_wait_minutes) == (2, 16)
    assert (third.predicted_wait_minutes, third.predicted_raw_minutes) == (16, 16.0)
    assert third.status == TicketStatus.WAITING
