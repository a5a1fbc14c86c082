"""The routing policy: emergencies first, then due tickets by due time, then first come first served."""

from __future__ import annotations

from typing import Any

import pytest

from exitentry.queueing import services
from exitentry.queueing.models import Priority, QueuePolicy, TicketStatus
from exitentry.queueing.tests.factories import A, B, appointment, at, make_hall, staffed, walk_in
from exitentry.servicepoints.models import Skill

pytestmark = pytest.mark.django_db


def call_all(counter: Any, officer: Any) -> list[str]:
    """Call and finish tickets until nobody waits; the numbers in calling order."""
    order = []
    while True:
        try:
            ticket = services.call_next(counter, officer)
        except services.QueueEmpty:
            return order
        order.append(ticket.number)
        services.finish(ticket, officer)


def test_full_calling_order_emergency_then_due_tickets_by_due_time_then_first_come(frozen: Any) -> None:
    hall = make_hall({"1": [A, Skill.EMERGENCY]})
    frozen.move_to(at(9, 0))
    w1 = walk_in(hall)  # due 09:30 (fairness threshold 30 minutes)
    frozen.move_to(at(9, 5))
    p1 = services.check_in(appointment(hall, at(9, 20)).code, hall).ticket  # due 09:20
    frozen.move_to(at(9, 10))
    w2 = walk_in(hall)  # due 09:40
    frozen.move_to(at(9, 20))
    emergency = walk_in(hall, Skill.EMERGENCY)
    frozen.move_to(at(9, 25))
    w3 = walk_in(hall)  # due 09:55
    frozen.move_to(at(9, 31))
    p2 = services.check_in(appointment(hall, at(9, 45)).code, hall).ticket  # due 09:45
    frozen.move_to(at(9, 35))
    counter, officer = staffed(hall, "1")

    order = call_all(counter, officer)

    assert [p1.priority, emergency.priority, w1.priority] == [
        Priority.APPOINTMENT,
        Priority.EMERGENCY,
        Priority.WALK_IN,
    ]
    # Emergency; then due: P1 (09:20), W1 (09:30); then not yet due, first come: W2, W3, P2.
    assert order == [emergency.number, p1.number, w1.number, w2.number, w3.number, p2.number]
    assert order == ["E001", "A002", "A001", "A003", "A004", "A005"]


def test_a_walk_in_past_the_threshold_is_not_overtaken_by_an_appointment_due_later(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    frozen.move_to(at(9, 0))
    early_walk_in = walk_in(hall)  # due 09:30
    frozen.move_to(at(9, 20))
    late_walk_in = walk_in(hall)  # due 09:50
    frozen.move_to(at(9, 30))
    holder = services.check_in(appointment(hall, at(9, 40)).code, hall).ticket  # due 09:40
    frozen.move_to(at(9, 45))
    counter, officer = staffed(hall, "1")

    assert call_all(counter, officer) == [early_walk_in.number, holder.number, late_walk_in.number]


def test_an_appointment_whose_slot_has_started_goes_before_walk_ins_under_the_threshold(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    frozen.move_to(at(10, 0))
    first = walk_in(hall)
    frozen.move_to(at(10, 5))
    holder = services.check_in(appointment(hall, at(10, 0)).code, hall).ticket  # late: due at once
    frozen.move_to(at(10, 6))
    counter, officer = staffed(hall, "1")

    assert call_all(counter, officer) == [holder.number, first.number]


def test_an_early_appointment_holder_waits_first_come_first_served_until_the_slot_starts(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    frozen.move_to(at(10, 0))
    walker = walk_in(hall)
    frozen.move_to(at(10, 1))
    holder = services.check_in(appointment(hall, at(10, 30)).code, hall).ticket
    counter, officer = staffed(hall, "1")

    frozen.move_to(at(10, 10))
    assert services.call_next(counter, officer).number == walker.number
    assert holder.due_at == at(10, 30)


def test_the_fairness_threshold_is_data(frozen: Any) -> None:
    QueuePolicy.objects.filter(service_point__isnull=True).update(walk_in_fairness_minutes=60)
    hall = make_hall({"1": [A]})
    frozen.move_to(at(9, 0))
    walker = walk_in(hall)  # due 10:00 now
    frozen.move_to(at(9, 30))
    holder = services.check_in(appointment(hall, at(9, 40)).code, hall).ticket
    frozen.move_to(at(9, 45))
    counter, officer = staffed(hall, "1")

    assert call_all(counter, officer) == [holder.number, walker.number]


def test_a_hall_policy_beats_the_province_wide_one(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    QueuePolicy.objects.create(service_point=hall, walk_in_fairness_minutes=5, effective_from=at(0).date())
    other = make_hall({"1": [A]})

    assert services.policy_for(hall).walk_in_fairness_minutes == 5
    assert services.policy_for(other).walk_in_fairness_minutes == 30


def test_a_counter_calls_only_tickets_of_its_skills(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    endorsement = walk_in(hall, B)
    passport = walk_in(hall, A)
    counter_b, officer_b = staffed(hall, "2")
    counter_a, officer_a = staffed(hall, "1")

    assert services.call_next(counter_b, officer_b).pk == endorsement.pk
    assert services.call_next(counter_a, officer_a).pk == passport.pk


def test_a_ticket_transferred_to_one_counter_is_called_only_there(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A], "3": [A]})
    counter_1, officer_1 = staffed(hall, "1")
    counter_2, officer_2 = staffed(hall, "2")
    counter_3, officer_3 = staffed(hall, "3")
    ticket = walk_in(hall)
    called = services.call_next(counter_1, officer_1)
    frozen.move_to(at(10, 5))
    leg = services.transfer(called, officer_1, counter=counter_3)

    with pytest.raises(services.QueueEmpty):
        services.call_next(counter_2, officer_2)
    assert services.call_next(counter_3, officer_3).pk == leg.pk
    assert leg.number == ticket.number


def test_a_transferred_ticket_is_due_at_once_and_goes_before_walk_ins_under_the_threshold(
    frozen: Any,
) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    counter_a, officer_a = staffed(hall, "1")
    counter_b, officer_b = staffed(hall, "2")
    walk_in(hall, B)
    frozen.move_to(at(10, 1))
    waiting_b = walk_in(hall, B)  # waits at counter 2 behind the first
    moved = services.call_next(counter_b, officer_b)
    frozen.move_to(at(10, 3))
    services.finish(moved, officer_b)
    passport = walk_in(hall, A)
    called = services.call_next(counter_a, officer_a)
    assert called.pk == passport.pk
    frozen.move_to(at(10, 10))
    leg = services.transfer(called, officer_a, skill=B)

    assert services.call_next(counter_b, officer_b).pk == leg.pk
    assert services.waiting_for_counter(counter_b).get().pk == waiting_b.pk


def test_waiting_order_is_the_same_for_prediction_and_calling(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    tickets = [walk_in(hall) for _ in range(4)]
    counter, officer = staffed(hall, "1")

    outlooks = [services.ticket_outlook(t).people_ahead for t in tickets]
    first = services.call_next(counter, officer)

    assert outlooks == [0, 1, 2, 3]
    assert first.pk == tickets[0].pk
    assert first.status == TicketStatus.CALLED
