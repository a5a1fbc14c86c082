"""Rollup rows for the dashboard tests, and the people who look at them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from exitentry.accounts.models import Role, User
from exitentry.applications.tests import factories as f
from exitentry.insight.models import HallHourRollup, IssuanceRollup, PaymentRollup, SlaRollup
from exitentry.insight.rollups import rebuild_months
from exitentry.servicepoints.models import ServicePoint


def issued(
    point: ServicePoint,
    day: dt.date,
    accepted: int,
    *,
    document_type: str = "passport",
    channel: str = "online",
    zero_visit: int = 0,
    rejected: int = 0,
) -> IssuanceRollup:
    return IssuanceRollup.objects.create(
        day=day,
        service_point=point,
        city_code=point.city.code,
        document_type=document_type,
        channel=channel,
        accepted=accepted,
        approved=accepted - rejected,
        rejected=rejected,
        zero_visit=zero_visit,
    )


def hall_hour(point: ServicePoint, day: dt.date, hour: int, **counts: int) -> HallHourRollup:
    values = {
        "tickets": 0,
        "served": 0,
        "wait_seconds": 0,
        "ticket_no_shows": 0,
        "appointments": 0,
        "appointment_no_shows": 0,
        **counts,
    }
    return HallHourRollup.objects.create(
        day=day, service_point=point, city_code=point.city.code, hour=hour, weekday=day.weekday(), **values
    )


def sla(
    point: ServicePoint, day: dt.date, due: int, breached: int, document_type: str = "passport"
) -> SlaRollup:
    return SlaRollup.objects.create(
        day=day,
        service_point=point,
        city_code=point.city.code,
        document_type=document_type,
        due=due,
        warned=breached,
        breached=breached,
    )


def paid(point: ServicePoint, day: dt.date, channel: str, orders: int, amount: str) -> PaymentRollup:
    return PaymentRollup.objects.create(
        day=day,
        service_point=point,
        city_code=point.city.code,
        channel=channel,
        orders=orders,
        amount=Decimal(amount),
    )


def months(first: dt.date, last: dt.date) -> None:
    rebuild_months(first, last)


def manager() -> User:
    return f.staff(Role.MANAGER)


def supervisor(*points: ServicePoint) -> User:
    return f.staff(Role.SUPERVISOR, *points)


def login(client: Any, user: User) -> None:
    client.force_login(user)
