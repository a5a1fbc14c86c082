"""Counters and the life of a ticket: open, call, recall, serve, finish, no-show, transfer."""

from __future__ import annotations

from typing import Any

import pytest

from exitentry.accounts.models import Role
from exitentry.appointments.models import AppointmentStatus
from exitentry.audit.models import AuditEvent
from exitentry.core.errors import InvalidTransition, PermissionDenied
from exitentry.queueing import services
from exitentry.queueing.models import CounterSession, Ticket, TicketStatus
from exitentry.queueing.tests.factories import (
    A,
    B,
    appointment,
    at,
    counter,
    make_hall,
    staff,
    staffed,
    walk_in,
)

pytestmark = pytest.mark.django_db


def test_an_officer_opens_and_closes_a_counter(frozen: Any) -> None:
    hall = make_hall()
    officer = staff(hall)
    desk = counter(hall, "1")

    session = services.open_counter(desk, officer)
    again = services.open_counter(desk, officer)
    frozen.move_to(at(12))
    closed = services.close_counter(desk, officer)

    assert again.pk == session.pk
    assert (closed.opened_at, closed.closed_at) == (at(10), at(12))
    assert list(
        AuditEvent.objects.filter(action__startswith="queueing.counter")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "queueing.counter_opened",
        "queueing.counter_closed",
    ]


def test_a_counter_is_staffed_by_one_officer_and_an_officer_staffs_one_counter(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    desk, _officer = staffed(hall, "1")
    newcomer = staff(hall)

    with pytest.raises(services.CounterAlreadyOpen):
        services.open_counter(desk, newcomer)
    services.open_counter(counter(hall, "2"), newcomer)
    services.close_counter(counter(hall, "2"), newcomer)
    with pytest.raises(services.CounterAlreadyOpen):
        services.open_counter(desk, newcomer)
    assert CounterSession.objects.filter(closed_at__isnull=True).count() == 1


def test_an_officer_with_a_counter_open_cannot_open_another(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    _desk, officer = staffed(hall, "1")

    with pytest.raises(services.AlreadyAtACounter):
        services.open_counter(counter(hall, "2"), officer)


def test_an_officer_cannot_open_a_counter_of_another_hall(frozen: Any) -> None:
    hall = make_hall()
    other = make_hall()

    with pytest.raises(PermissionDenied):
        services.open_counter(counter(other, "1"), staff(hall))


def test_call_next_needs_an_open_counter_staffed_by_the_caller(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    walk_in(hall)
    desk, _officer = staffed(hall, "1")
    colleague = staff(hall)

    with pytest.raises(services.CounterNotOpen):
        services.call_next(counter(hall, "2"), colleague)
    with pytest.raises(services.NotYourCounter):
        services.call_next(desk, colleague)
    supervisor = staff(hall, Role.SUPERVISOR)
    assert services.call_next(desk, supervisor).number == "A001"


def test_a_counter_holds_one_ticket_at_a_time(frozen: Any) -> None:
    hall = make_hall()
    walk_in(hall)
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    services.call_next(desk, officer)

    with pytest.raises(services.CounterBusy):
        services.call_next(desk, officer)
    with pytest.raises(services.CounterBusy):
        services.close_counter(desk, officer)
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_call_next_with_nobody_waiting_says_so(frozen: Any) -> None:
    hall = make_hall()
    desk, officer = staffed(hall, "1")

    with pytest.raises(services.QueueEmpty):
        services.call_next(desk, officer)


def test_a_ticket_is_called_recalled_served_and_finished(frozen: Any) -> None:
    hall = make_hall()
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    frozen.move_to(at(10, 12))
    ticket = services.call_next(desk, officer)
    frozen.move_to(at(10, 13))
    services.recall(ticket, officer)
    frozen.move_to(at(10, 14))
    services.start_serving(ticket, officer)
    frozen.move_to(at(10, 20))
    services.finish(ticket, officer)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter_id, ticket.called_by_id) == (TicketStatus.DONE, desk.pk, officer.pk)
    assert (ticket.called_at, ticket.last_called_at, ticket.recall_count) == (at(10, 12), at(10, 13), 1)
    assert (ticket.started_at, ticket.finished_at) == (at(10, 14), at(10, 20))
    assert (ticket.wait_seconds, ticket.service_seconds) == (12 * 60, 6 * 60)
    assert list(
        AuditEvent.objects.filter(object_id=str(ticket.pk), object_type="queueing.ticket")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "queueing.ticket_issued",
        "queueing.ticket_called",
        "queueing.ticket_recalled",
        "queueing.ticket_serving",
        "queueing.ticket_done",
    ]


def test_finishing_a_called_ticket_counts_the_service_from_the_call(frozen: Any) -> None:
    hall = make_hall()
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)
    frozen.move_to(at(10, 7))

    services.finish(ticket, officer)

    ticket.refresh_from_db()
    assert (ticket.started_at, ticket.service_seconds) == (at(10), 7 * 60)


def test_finishing_completes_the_appointment(frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 0))
    services.check_in(booked.code, hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)

    services.finish(ticket, officer)

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.COMPLETED


def test_a_no_show_ends_the_ticket_and_the_appointment(frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 0))
    services.check_in(booked.code, hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)
    services.recall(ticket, officer)
    frozen.move_to(at(10, 5))

    services.mark_no_show(ticket, officer)

    ticket.refresh_from_db()
    booked.refresh_from_db()
    assert (ticket.status, ticket.finished_at, ticket.service_seconds) == (
        TicketStatus.NO_SHOW,
        at(10, 5),
        None,
    )
    assert booked.status == AppointmentStatus.NO_SHOW
    with pytest.raises(services.QueueEmpty):
        services.call_next(desk, officer)


@pytest.mark.parametrize("action", ["recall", "start_serving", "finish", "mark_no_show"])
def test_a_waiting_ticket_cannot_be_acted_on_at_a_counter(frozen: Any, action: str) -> None:
    hall = make_hall()
    ticket = walk_in(hall)
    _desk, officer = staffed(hall, "1")

    with pytest.raises(InvalidTransition):
        getattr(services, action)(ticket, officer)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING


def test_a_finished_ticket_cannot_be_finished_or_recalled_again(frozen: Any) -> None:
    hall = make_hall()
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)
    services.finish(ticket, officer)
    stale = Ticket.objects.get(pk=ticket.pk)

    with pytest.raises(InvalidTransition):
        services.finish(stale, officer)
    with pytest.raises(InvalidTransition):
        services.recall(stale, officer)


def test_a_stale_copy_cannot_move_a_ticket_someone_else_moved(frozen: Any) -> None:
    hall = make_hall()
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.mark_no_show(ticket, officer)

    with pytest.raises(InvalidTransition):
        services.start_serving(stale, officer)


def test_transfer_to_another_skill_keeps_the_number_and_the_appointment(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    booked = appointment(hall, at(10, 0))
    services.check_in(booked.code, hall)
    desk_a, officer_a = staffed(hall, "1")
    desk_b, officer_b = staffed(hall, "2")
    ticket = services.call_next(desk_a, officer_a)
    services.start_serving(ticket, officer_a)
    frozen.move_to(at(10, 9))

    leg = services.transfer(ticket, officer_a, skill=B)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.service_seconds) == (TicketStatus.TRANSFERRED, 9 * 60)
    assert (leg.number, leg.skill, leg.status, leg.priority) == (
        ticket.number,
        B,
        TicketStatus.WAITING,
        "appointment",
    )
    assert (leg.appointment_id, leg.transferred_from_id, leg.due_at, leg.issued_at) == (
        booked.pk,
        ticket.pk,
        at(10, 9),
        ticket.issued_at,
    )
    called = services.call_next(desk_b, officer_b)
    services.finish(called, officer_b)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.COMPLETED


def test_transfer_needs_a_target_the_counter_can_serve(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B], "3": [A]})
    walk_in(hall)
    desk, officer = staffed(hall, "1")
    ticket = services.call_next(desk, officer)

    with pytest.raises(services.TransferTargetRequired):
        services.transfer(ticket, officer)
    with pytest.raises(services.CounterLacksSkill):
        services.transfer(ticket, officer, counter=counter(hall, "2"))
    with pytest.raises(services.SkillNotOffered):
        services.transfer(ticket, officer, skill="foreigners")
    with pytest.raises(services.UnknownSkill):
        services.transfer(ticket, officer, skill="juggling")
    leg = services.transfer(ticket, officer, counter=counter(hall, "2"), skill=B)
    assert (leg.skill, leg.target_counter_id) == (B, counter(hall, "2").pk)


def test_the_end_of_the_day_closes_what_was_left_open(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    booked = appointment(hall, at(10, 0))
    services.check_in(booked.code, hall)
    left_waiting = walk_in(hall)
    desk_1, officer_1 = staffed(hall, "1")
    desk_2, officer_2 = staffed(hall, "2")
    serving = services.call_next(desk_1, officer_1)
    services.start_serving(serving, officer_1)
    called = services.call_next(desk_2, officer_2)
    assert called.pk == left_waiting.pk
    walk_in(hall)
    frozen.move_to(at(0, 30, day=at(10).date().replace(day=22)))

    summary = services.close_queue_day()

    assert summary == {"no_show": 2, "done": 1, "counters_closed": 2}
    serving.refresh_from_db()
    booked.refresh_from_db()
    assert (serving.status, serving.auto_closed) == (TicketStatus.DONE, True)
    assert booked.status == AppointmentStatus.COMPLETED
    assert not Ticket.objects.filter(status__in=[TicketStatus.WAITING, TicketStatus.CALLED]).exists()
    assert not CounterSession.objects.filter(closed_at__isnull=True).exists()
