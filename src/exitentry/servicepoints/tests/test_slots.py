from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine

from exitentry.audit.models import AuditEvent
from exitentry.core import clock
from exitentry.servicepoints import services
from exitentry.servicepoints.models import CalendarRule, ServicePointKind, SessionKind, Skill, Slot
from exitentry.servicepoints.tasks import generate_slots_for_next_30_days
from exitentry.servicepoints.tests.factories import (
    CapacityPlanFactory,
    ClosureFactory,
    OpeningHoursFactory,
    ServicePointFactory,
    hall_with_weekday_hours,
)

pytestmark = pytest.mark.django_db

# Monday 2026-09-21, 07:00 in Shanghai: before any hall opens.
BEFORE_HOLIDAYS = dt.datetime(2026, 9, 20, 23, 0, tzinfo=dt.UTC)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return clock.local_datetime(day, dt.time(hour, minute))


def slot_days(point: object) -> list[dt.date]:
    return sorted({clock.to_local(s.start).date() for s in Slot.objects.filter(service_point=point)})


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_generation_skips_public_holidays_and_opens_on_makeup_saturday() -> None:
    hall = hall_with_weekday_hours()
    OpeningHoursFactory(
        service_point=hall, weekday=5, kind=SessionKind.WEEKEND, opens=dt.time(9), closes=dt.time(12)
    )
    CapacityPlanFactory(
        service_point=hall, session_kind=SessionKind.REGULAR, slot_minutes=60, capacity_per_slot=2
    )
    CapacityPlanFactory(
        service_point=hall, session_kind=SessionKind.WEEKEND, slot_minutes=60, capacity_per_slot=1
    )

    services.generate_slots(dt.date(2026, 9, 24), 24)

    assert slot_days(hall) == [
        dt.date(2026, 9, 24),  # Thursday
        # 25 Sep (Fri) – 27 Sep: Mid-autumn Festival, the Saturday included
        dt.date(2026, 9, 28),
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 30),
        # 1–7 Oct: National Day
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),  # Saturday, official make-up working day
        dt.date(2026, 10, 12),
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 14),
        dt.date(2026, 10, 15),
        dt.date(2026, 10, 16),
        dt.date(2026, 10, 17),  # an ordinary Saturday: the weekend session
    ]
    makeup = Slot.objects.filter(service_point=hall, start__date=dt.date(2026, 10, 10)).order_by("start")
    # The make-up Saturday works with Monday's hours (09:00–17:00), not the weekend session.
    assert [(clock.to_local(s.start).hour, s.capacity) for s in makeup] == [(h, 2) for h in range(9, 17)]
    saturday = Slot.objects.filter(service_point=hall, start__gte=local(dt.date(2026, 10, 17), 0))
    assert [(clock.to_local(s.start).hour, s.capacity) for s in saturday.order_by("start")] == [
        (9, 1),
        (10, 1),
        (11, 1),
    ]


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_slots_are_aware_and_cut_from_the_session_by_plan_length() -> None:
    hall = ServicePointFactory()
    OpeningHoursFactory(service_point=hall, weekday=1, opens=dt.time(8, 30), closes=dt.time(10, 0))
    CapacityPlanFactory(service_point=hall, slot_minutes=40, capacity_per_slot=3)

    services.generate_slots(dt.date(2026, 9, 22), 1)

    slots = list(Slot.objects.filter(service_point=hall).order_by("start"))
    # 08:30–09:10, 09:10–09:50; the 10 minutes left before 10:00 make no slot.
    assert [(clock.to_local(s.start).time(), clock.to_local(s.end).time()) for s in slots] == [
        (dt.time(8, 30), dt.time(9, 10)),
        (dt.time(9, 10), dt.time(9, 50)),
    ]
    assert slots[0].start == dt.datetime(2026, 9, 22, 0, 30, tzinfo=dt.UTC)
    assert {s.capacity for s in slots} == {3}


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_regenerating_changes_nothing() -> None:
    hall = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=hall)
    first = services.generate_slots(dt.date(2026, 9, 21), 14)
    before = list(Slot.objects.order_by("pk").values_list("pk", "start", "end", "capacity", "booked"))
    events = AuditEvent.objects.count()

    second = services.generate_slots(dt.date(2026, 9, 21), 14)

    assert first.created == len(before) == 7 * 8  # 7 working days in the fortnight, 8 one-hour slots
    assert second.as_dict() == {"created": 0, "updated": 0, "closed": 0, "skipped_years": []}
    assert list(Slot.objects.order_by("pk").values_list("pk", "start", "end", "capacity", "booked")) == before
    assert AuditEvent.objects.count() == events


def test_plan_change_resizes_future_slots_but_never_below_booked() -> None:
    with time_machine.travel(BEFORE_HOLIDAYS, tick=False):
        hall = hall_with_weekday_hours()
        plan = CapacityPlanFactory(service_point=hall, capacity_per_slot=4)
        services.generate_slots(dt.date(2026, 9, 21), 2)
        monday_9 = Slot.objects.get(service_point=hall, start=local(dt.date(2026, 9, 21), 9))
        tuesday_9 = Slot.objects.get(service_point=hall, start=local(dt.date(2026, 9, 22), 9))
        tuesday_10 = Slot.objects.get(service_point=hall, start=local(dt.date(2026, 9, 22), 10))
        Slot.objects.filter(pk__in=[monday_9.pk, tuesday_9.pk]).update(booked=3)

    with time_machine.travel(local(dt.date(2026, 9, 21), 12), tick=False):
        plan.capacity_per_slot = 2
        plan.save()
        summary = services.generate_slots(dt.date(2026, 9, 21), 2)

    monday_9.refresh_from_db()
    tuesday_9.refresh_from_db()
    tuesday_10.refresh_from_db()
    assert monday_9.capacity == 4  # already past: left alone
    assert tuesday_9.capacity == 3  # three people booked: never below them
    assert tuesday_10.capacity == 2
    assert summary.updated == 8 + 4  # all of Tuesday's slots and Monday's afternoon ones


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_removing_a_plan_closes_future_slots_but_keeps_booked_places() -> None:
    hall = hall_with_weekday_hours()
    plan = CapacityPlanFactory(service_point=hall, capacity_per_slot=4)
    services.generate_slots(dt.date(2026, 9, 22), 1)
    Slot.objects.filter(service_point=hall, start=local(dt.date(2026, 9, 22), 9)).update(booked=1)
    plan.delete()

    summary = services.generate_slots(dt.date(2026, 9, 22), 1)

    assert summary.closed == 8
    assert sorted(Slot.objects.filter(service_point=hall).values_list("capacity", "booked")) == [
        (0, 0)
    ] * 7 + [(1, 1)]


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_a_closure_closes_the_day_and_its_slots() -> None:
    hall = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=hall)
    services.generate_slots(dt.date(2026, 9, 22), 2)
    ClosureFactory(service_point=hall, starts_on=dt.date(2026, 9, 23), ends_on=dt.date(2026, 9, 23))

    services.generate_slots(dt.date(2026, 9, 22), 2)

    hours = services.day_hours(hall, dt.date(2026, 9, 23))
    assert (hours.open, hours.reason) == (False, "System upgrade")
    assert set(
        Slot.objects.filter(service_point=hall, start__gte=local(dt.date(2026, 9, 23), 0)).values_list(
            "capacity", flat=True
        )
    ) == {0}


def test_a_year_without_calendar_data_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with time_machine.travel(local(dt.date(2026, 12, 29), 7), tick=False):
        hall = hall_with_weekday_hours()
        CapacityPlanFactory(service_point=hall)
        with caplog.at_level(logging.WARNING, logger="exitentry.servicepoints.services"):
            summary = services.generate_slots(dt.date(2026, 12, 30), 5)

    assert summary.skipped_years == [2027]
    assert slot_days(hall) == [dt.date(2026, 12, 30), dt.date(2026, 12, 31)]
    assert "2027" in caplog.text


@time_machine.travel(BEFORE_HOLIDAYS, tick=False)
def test_the_daily_task_generates_the_next_30_days() -> None:
    hall = hall_with_weekday_hours()
    CapacityPlanFactory(service_point=hall, slot_minutes=240, capacity_per_slot=5)

    result = generate_slots_for_next_30_days.enqueue()

    assert result.return_value == {"created": 2 * 17, "updated": 0, "closed": 0, "skipped_years": []}
    days = slot_days(hall)
    assert (days[0], days[-1]) == (dt.date(2026, 9, 21), dt.date(2026, 10, 20))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 9, 22, 8, 59), False),
        (dt.datetime(2026, 9, 22, 9, 0), True),
        (dt.datetime(2026, 9, 22, 12, 15), False),  # lunch break between the two sessions
        (dt.datetime(2026, 9, 22, 13, 30), True),
        (dt.datetime(2026, 9, 22, 17, 0), False),
        (dt.datetime(2026, 10, 1, 10, 0), False),  # National Day
        (dt.datetime(2026, 10, 10, 10, 0), True),  # make-up Saturday
        (dt.datetime(2026, 10, 11, 10, 0), False),  # Sunday
    ],
)
def test_open_now_follows_sessions_and_the_calendar(moment: dt.datetime, expected: bool) -> None:
    hall = ServicePointFactory()
    for weekday in range(5):
        OpeningHoursFactory(service_point=hall, weekday=weekday, opens=dt.time(9), closes=dt.time(12))
        OpeningHoursFactory(service_point=hall, weekday=weekday, opens=dt.time(13, 30), closes=dt.time(17))

    assert services.open_now(hall, moment.replace(tzinfo=clock.LOCAL_ZONE)) is expected


def test_a_24_hour_zone_is_open_at_night_on_a_public_holiday() -> None:
    zone = ServicePointFactory(kind=ServicePointKind.SELF_SERVICE, calendar_rule=CalendarRule.EVERY_DAY)
    for weekday in range(7):
        OpeningHoursFactory(service_point=zone, weekday=weekday, opens=dt.time(0), closes=dt.time(0))

    assert services.open_now(zone, local(dt.date(2026, 10, 1), 3)) is True
    assert services.open_now(zone, local(dt.date(2026, 10, 1), 23, 59)) is True


def test_opening_is_unknown_not_guessed_for_a_year_without_calendar_data() -> None:
    hall = hall_with_weekday_hours()

    assert services.open_now(hall, local(dt.date(2027, 3, 3), 10)) is None


def test_student_sessions_apply_only_in_their_season() -> None:
    hall = ServicePointFactory()
    OpeningHoursFactory(
        service_point=hall,
        weekday=6,
        kind=SessionKind.STUDENT,
        opens=dt.time(9),
        closes=dt.time(12),
        valid_from=dt.date(2026, 7, 1),
        valid_to=dt.date(2026, 8, 31),
    )

    assert services.open_now(hall, local(dt.date(2026, 7, 5), 10)) is True  # a summer Sunday
    assert services.open_now(hall, local(dt.date(2026, 9, 6), 10)) is False


def test_skill_rules_pick_the_longest_prefix() -> None:
    from exitentry.servicepoints.models import ServiceSkillRule

    ServiceSkillRule.objects.create(service_prefix="passport.replacement_lost", skill=Skill.EMERGENCY)

    assert services.skill_for_service("passport.replacement_lost") == Skill.EMERGENCY
    assert services.skill_for_service("passport.renewal") == Skill.CITIZENS_DOCUMENTS
    assert services.skill_for_service("visa.tourist") is None
