"""Wait prediction: Erlang C baseline, live state, history-based service times and correction."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal
from typing import Any

import pytest

from exitentry.core import erlang
from exitentry.queueing import services
from exitentry.queueing.models import (
    Priority,
    QueuePolicy,
    SkillProfile,
    Ticket,
    TicketStatus,
    WaitCorrection,
)
from exitentry.queueing.tests.factories import A, B, at, make_hall, staffed, walk_in

pytestmark = pytest.mark.django_db

_sequence = itertools.count(500)


def history(
    hall: Any,
    *,
    issued: dt.datetime,
    skill: str = A,
    service_minutes: float | None = None,
    waited_minutes: float | None = None,
    model_minutes: float | None = None,
) -> Ticket:
    """A past ticket, finished (with a service time) or just called (with a wait)."""
    number = next(_sequence)
    called = issued + dt.timedelta(minutes=waited_minutes or 0)
    finished = called + dt.timedelta(minutes=service_minutes or 0)
    return Ticket.objects.create(
        service_point=hall,
        issued_on=issued.date(),
        letter="A" if skill == A else "B",
        sequence=number,
        number=f"A{number}",
        skill=skill,
        priority=Priority.WALK_IN,
        status=TicketStatus.DONE,
        issued_at=issued,
        queued_at=issued,
        due_at=issued,
        called_at=called,
        last_called_at=called,
        started_at=called,
        finished_at=finished if service_minutes is not None else called,
        service_seconds=round(service_minutes * 60) if service_minutes is not None else None,
        wait_seconds=round(waited_minutes * 60) if waited_minutes is not None else None,
        predicted_raw_minutes=model_minutes,
    )


def forecast_for(hall: Any, skill: str = A, at_time: dt.datetime | None = None) -> services.SkillForecast:
    found = services.predict_wait(hall, skill, at_time)
    assert found is not None
    return found


def test_with_no_history_the_default_service_time_is_used(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A, B]})
    walk_in(hall)
    walk_in(hall)
    staffed(hall, "1")

    passports = forecast_for(hall, A)
    endorsements = forecast_for(hall, B)

    assert (passports.waiting, passports.counters_open, passports.busy) == (2, 1, 0)
    assert (passports.mean_service_minutes, passports.service_samples, passports.correction) == (8.0, 0, 1.0)
    assert passports.arrival_rate == pytest.approx(2 / 60)
    # k = 0 busy + 2 waiting − 1 counter + 1 = 2 services of 8 minutes.
    assert (passports.live_wait_minutes, passports.predicted_wait_minutes) == (16.0, 16)
    assert (endorsements.counters_open, endorsements.predicted_wait_minutes) == (0, None)


def test_with_no_counter_open_no_wait_is_promised(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    walk_in(hall)

    found = forecast_for(hall)

    assert (found.waiting, found.counters_open, found.predicted_wait_minutes, found.raw_minutes) == (
        1,
        0,
        None,
        None,
    )
    assert services.predict_wait(hall, "foreigners") is None


def test_in_a_steady_state_the_prediction_is_the_erlang_c_wait(frozen: Any) -> None:
    SkillProfile.objects.filter(skill=A).update(default_service_minutes=Decimal("6.0"))
    hall = make_hall({"1": [A], "2": [A]})
    for minute in range(4, 61, 4):  # 15 arrivals in the last hour, each served in 6 minutes
        history(hall, issued=at(9) + dt.timedelta(minutes=minute), service_minutes=6)
    staffed(hall, "1")
    staffed(hall, "2")

    now = forecast_for(hall)
    far = forecast_for(hall, at_time=at(10) + dt.timedelta(days=1))

    expected = erlang.expected_wait(15 / 60, 1 / 6, 2)
    assert expected == pytest.approx(7.714, abs=1e-3)
    assert (now.arrival_rate, now.mean_service_minutes, now.counters_open) == (0.25, 6.0, 2)
    assert now.erlang_wait_minutes == pytest.approx(expected)
    assert far.raw_minutes == pytest.approx(expected, abs=1e-2)
    assert far.predicted_wait_minutes == round(expected) == 8
    # Nobody waits and both counters are free: someone joining now is called at once.
    assert (now.live_wait_minutes, now.predicted_wait_minutes) == (0.0, 0)


def test_between_now_and_the_steady_state_the_live_wait_fades_into_erlang_c(frozen: Any) -> None:
    SkillProfile.objects.filter(skill=A).update(default_service_minutes=Decimal("6.0"))
    hall = make_hall({"1": [A], "2": [A]})
    for minute in range(6, 61, 6):
        history(hall, issued=at(9) + dt.timedelta(minutes=minute), service_minutes=6)
    staffed(hall, "1")
    staffed(hall, "2")
    frozen.move_to(at(10) + dt.timedelta(seconds=30))
    for _ in range(5):
        walk_in(hall)
    lead = 20.0

    found = forecast_for(hall, at_time=at(10) + dt.timedelta(seconds=30, minutes=lead))

    rate, servers, mean = 15 / 60, 2, 6.0  # ten from history (9:06–10:00) and five now
    utilisation = rate * mean / servers
    live_now = (0 + 5 - 2 + 1) * mean / servers
    live_at = max(0.0, live_now - lead * (1 - utilisation))
    weight = math.exp(-lead / (mean / (servers * (1 - math.sqrt(utilisation)) ** 2)))
    baseline = erlang.expected_wait(rate, 1 / mean, servers)
    assert found.arrival_rate == pytest.approx(rate)
    assert found.live_wait_minutes == pytest.approx(live_now)
    assert found.raw_minutes == pytest.approx(weight * live_at + (1 - weight) * baseline)


def test_an_overloaded_queue_has_no_steady_state_and_its_backlog_grows(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    for _ in range(15):
        walk_in(hall)  # λ = 15/60 against one counter serving one every 8 minutes: ρ = 2
    staffed(hall, "1")

    now = forecast_for(hall)
    later = forecast_for(hall, at_time=at(10, 30))

    assert now.erlang_wait_minutes is None
    assert now.predicted_wait_minutes == 15 * 8
    assert later.predicted_wait_minutes == 15 * 8 + 30 * (2 - 1)


def test_thin_history_is_pulled_toward_the_default_service_time(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    for hour in range(5):
        history(hall, issued=at(9, hour * 5, day=dt.date(2026, 9, 18)), service_minutes=4)
    history(hall, issued=at(9, day=dt.date(2026, 9, 11)), service_minutes=60)  # older than 7 days

    found = forecast_for(hall)

    # (5 × 4 + 20 × 8) / (5 + 20): the default counts as 20 services.
    assert (found.service_samples, found.mean_service_minutes) == (5, pytest.approx(7.2))


def test_the_correction_factor_is_learned_from_observed_waits(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    for index in range(30):
        history(hall, issued=at(9, index, day=dt.date(2026, 9, 18)), waited_minutes=20, model_minutes=10)

    assert services.refresh_wait_corrections() == 1
    row = WaitCorrection.objects.get(service_point=hall, skill=A)
    assert (row.factor, row.samples, row.computed_at) == (pytest.approx(2.0), 30, at(10))

    walk_in(hall)
    walk_in(hall)
    staffed(hall, "1")
    found = forecast_for(hall)
    assert (found.correction, found.raw_minutes, found.predicted_wait_minutes) == (2.0, 16.0, 32)
    # The second in the queue: one service of 8 minutes ahead, doubled.
    assert services.ticket_outlook(Ticket.objects.get(number="A002")).predicted_wait_minutes == 16


def test_the_correction_weighs_recent_waits_more(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    for index in range(15):
        history(hall, issued=at(9, index), waited_minutes=20, model_minutes=10)  # ratio 2, ~1 hour ago
        history(hall, issued=at(9, index) - dt.timedelta(hours=72), waited_minutes=10, model_minutes=10)

    services.refresh_wait_corrections()

    def weight(called: dt.datetime) -> float:
        return 0.5 ** ((at(10) - called).total_seconds() / 3600 / 72)

    recent = [at(9, i) + dt.timedelta(minutes=20) for i in range(15)]
    old = [at(9, i) - dt.timedelta(hours=72) + dt.timedelta(minutes=10) for i in range(15)]
    observed = sum(weight(c) * 20 for c in recent) + sum(weight(c) * 10 for c in old)
    modelled = sum(weight(c) * 10 for c in recent) + sum(weight(c) * 10 for c in old)
    factor = WaitCorrection.objects.get(service_point=hall).factor
    assert factor == pytest.approx(observed / modelled)
    assert 1.5 < factor < 2.0


def test_a_correction_from_few_waits_is_not_applied_and_extreme_ones_are_capped(frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    for index in range(29):
        history(hall, issued=at(8, index), waited_minutes=50, model_minutes=10)
    services.refresh_wait_corrections()
    walk_in(hall)
    staffed(hall, "1")

    assert WaitCorrection.objects.get(service_point=hall).factor == pytest.approx(3.0)  # capped
    assert forecast_for(hall).correction == 1.0  # 29 < 30 observed waits
    QueuePolicy.objects.update(correction_min_samples=20)
    assert forecast_for(hall).correction == 3.0


def test_a_waiting_person_is_told_their_place_and_wait(frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [A]})
    desk, officer = staffed(hall, "1")
    staffed(hall, "2")
    tickets = [walk_in(hall) for _ in range(4)]
    services.call_next(desk, officer)  # one counter busy, one free

    outlooks = [services.ticket_outlook(t) for t in tickets[1:]]

    # k = 1 busy + ahead − 2 counters + 1 departures, each 8 / 2 minutes apart.
    assert [(o.people_ahead, o.predicted_wait_minutes) for o in outlooks] == [(0, 0), (1, 4), (2, 8)]
    assert outlooks[0].counters == ["1", "2"]
