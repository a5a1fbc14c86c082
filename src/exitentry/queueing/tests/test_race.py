"""Concurrency on PostgreSQL: two machines never share a number, two counters never share a ticket."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection

from exitentry.queueing import services
from exitentry.queueing.models import Ticket, TicketStatus
from exitentry.queueing.tests.factories import A, at, make_hall, staffed
from exitentry.servicepoints.tests.factories import skill_rules

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run every worker in its own thread, all starting together; their results or exceptions."""
    start_line = threading.Barrier(len(workers))
    results: list[Any] = []
    lock = threading.Lock()

    def run(worker: Callable[[], Any]) -> None:
        try:
            start_line.wait()
            try:
                result = worker()
            except Exception as error:  # collected and asserted on by the test
                result = error
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_ticket_machines_never_hand_out_the_same_number() -> None:
    skill_rules()
    with time_machine.travel(at(10), tick=False):
        hall = make_hall({"1": [A]})

        def machine() -> list[str]:
            return [services.issue_ticket(hall, skill=A).number for _ in range(15)]

        results = race([machine for _ in range(4)])

    numbers = [number for batch in results for number in batch]
    assert len(numbers) == 60
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 61)]
    assert Ticket.objects.filter(service_point=hall).values("number").distinct().count() == 60


def test_officers_pressing_call_next_together_never_get_the_same_ticket() -> None:
    skill_rules()
    with time_machine.travel(at(10), tick=False):
        hall = make_hall({str(n): [A] for n in range(1, 9)})
        desks = [staffed(hall, str(n)) for n in range(1, 9)]
        for _ in range(5):
            services.issue_ticket(hall, skill=A)

        results = race([lambda desk=desk: services.call_next(*desk) for desk in desks])

    called = [r.pk for r in results if isinstance(r, Ticket)]
    refused = Tally(type(r).__name__ for r in results if not isinstance(r, Ticket))
    assert len(called) == len(set(called)) == 5
    assert refused == {"QueueEmpty": 3}
    assert Ticket.objects.filter(status=TicketStatus.CALLED).values("counter").distinct().count() == 5
    assert not Ticket.objects.filter(status=TicketStatus.WAITING).exists()


def test_one_officer_double_pressing_call_next_gets_one_ticket() -> None:
    skill_rules()
    with time_machine.travel(at(10), tick=False):
        hall = make_hall({"1": [A]})
        desk = staffed(hall, "1")
        for _ in range(3):
            services.issue_ticket(hall, skill=A)

        results = race([lambda: services.call_next(*desk) for _ in range(4)])

    assert sum(isinstance(r, Ticket) for r in results) == 1
    assert Tally(type(r).__name__ for r in results if not isinstance(r, Ticket)) == {"CounterBusy": 3}
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1
