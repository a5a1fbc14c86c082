"""Test data for the consult app: articles, slots to book and mobile teams."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from exitentry.appointments.models import BookingPolicy
from exitentry.consult import services
from exitentry.consult.models import Article, MobileTeam
from exitentry.core import clock
from exitentry.servicepoints.models import ServicePoint, Skill, Slot
from exitentry.servicepoints.tests.factories import OpeningHoursFactory, skill_rules


def five(**texts: str) -> dict[str, str]:
    return {code: texts.get(code.replace("-", "_"), texts.get("en", "")) for code in services.LANGUAGE_CODES}


def article(slug: str, questions: dict[str, str], answers: dict[str, str], **fields: Any) -> Article:
    return services.save_article(
        Article(
            slug=slug, category=fields.pop("category", "fees"), questions=questions, answers=answers, **fields
        ),
        actor="test",
    )


def bookable_slot(point: ServicePoint, day: dt.date, hour: int = 10, capacity: int = 2) -> Slot:
    """A slot the booking rules accept: the hall open that weekday and a province-wide policy."""
    skill_rules()
    if not BookingPolicy.objects.exists():
        BookingPolicy.objects.create(
            days_ahead=30,
            release_time=dt.time(8, 0),
            max_active_per_account=3,
            requests_per_ip_per_minute=600,
            effective_from=dt.date(2020, 1, 1),
        )
    OpeningHoursFactory(service_point=point, weekday=day.weekday())
    start = clock.local_datetime(day, dt.time(hour, 0))
    return Slot.objects.create(
        service_point=point,
        skill=Skill.CITIZENS_DOCUMENTS,
        start=start,
        end=start + dt.timedelta(minutes=30),
        capacity=capacity,
        booked=0,
    )


def team(point: ServicePoint, code: str = "team-a", starts: int = 9, ends: int = 17) -> MobileTeam:
    return MobileTeam.objects.create(
        code=code,
        service_point=point,
        names=five(en=f"Team {code}"),
        day_starts=dt.time(starts, 0),
        day_ends=dt.time(ends, 0),
    )


JINAN_CENTRE = (Decimal("36.650000"), Decimal("117.000000"))
