"""Halls, staff and appointments for the queueing tests (times: Monday 2026-09-21, Shanghai)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exitentry.accounts.models import Role, User
from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment, AppointmentStatus
from exitentry.appointments.services import new_appointment_code
from exitentry.core import clock
from exitentry.queueing import services
from exitentry.queueing.models import Ticket
from exitentry.servicepoints.models import Counter, ServicePoint, Skill
from exitentry.servicepoints.tests.factories import (
    CounterFactory,
    OpeningHoursFactory,
    ServicePointFactory,
    SlotFactory,
)

DAY = dt.date(2026, 9, 21)
A = Skill.CITIZENS_DOCUMENTS
B = Skill.ENDORSEMENTS


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return clock.local_datetime(day, dt.time(hour, minute))


def make_hall(counters: dict[str, list[str]] | None = None, **kwargs: Any) -> ServicePoint:
    """A hall open Monday to Friday 09:00–17:00 with the given counters (number → skills)."""
    hall = ServicePointFactory(**kwargs)
    for weekday in range(5):
        OpeningHoursFactory(service_point=hall, weekday=weekday)
    for number, skills in (counters or {"1": [A, B]}).items():
        CounterFactory(service_point=hall, number=number, skills=skills)
    return hall


def staff(hall: ServicePoint | None, role: str = Role.OFFICER, **kwargs: Any) -> User:
    user = UserFactory(role=role, phone="13900000000", **kwargs)
    if hall is not None:
        user.service_points.add(hall)
    return user


def counter(hall: ServicePoint, number: str) -> Counter:
    return Counter.objects.get(service_point=hall, number=number)


def staffed(hall: ServicePoint, number: str) -> tuple[Counter, User]:
    """A counter opened by a new officer of the hall."""
    found = counter(hall, number)
    officer = staff(hall)
    services.open_counter(found, officer)
    return found, officer


def appointment(
    hall: ServicePoint,
    start: dt.datetime,
    *,
    skill: str = A,
    service: str = "passport.renewal",
    user: Any = None,
) -> Appointment:
    slot = SlotFactory(service_point=hall, skill=skill, start=start, capacity=5, booked=1)
    return Appointment.objects.create(
        code=new_appointment_code(),
        user=user or UserFactory(phone="13811112222"),
        slot=slot,
        service_code=service,
        status=AppointmentStatus.BOOKED,
        booked_at=start - dt.timedelta(days=2),
        updated_at=start - dt.timedelta(days=2),
    )


def walk_in(hall: ServicePoint, skill: str = A, **kwargs: Any) -> Ticket:
    return services.issue_ticket(hall, skill=skill, **kwargs)
