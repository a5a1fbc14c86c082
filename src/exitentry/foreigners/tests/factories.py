"""Factories for the foreigners' tests: halls, ports, people with passports, accounts."""

from __future__ import annotations

import datetime as dt

from exitentry.accounts.models import Role, User
from exitentry.accounts.tests.factories import UserFactory
from exitentry.foreigners.demo import passport_mrz
from exitentry.foreigners.models import WorkPermit, WorkPermitCategory
from exitentry.servicepoints.models import ServicePoint, ServicePointKind
from exitentry.servicepoints.tests.factories import CityFactory, ServicePointFactory

# Monday 21 September 2026, 10:00 in Shanghai: a working day with working days after it.
MONDAY_10 = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)


def mrz(
    number: str = "C01X00T47",
    *,
    surname: str = "MILLER",
    given_names: str = "ANNA",
    nationality: str = "GBR",
    birth: dt.date = dt.date(1990, 4, 12),
    sex: str = "F",
    expiry: dt.date = dt.date(2031, 5, 31),
) -> str:
    return passport_mrz(
        surname=surname,
        given_names=given_names,
        nationality=nationality,
        number=number,
        birth=birth,
        sex=sex,
        expiry=expiry,
    )


def foreigners_hall(code: str = "bj-hall") -> ServicePoint:
    point: ServicePoint = ServicePointFactory(
        code=code, kind=ServicePointKind.FOREIGNERS_HALL, city=CityFactory(code="110000")
    )
    return point


def port(code: str = "bj-airport-port") -> ServicePoint:
    point: ServicePoint = ServicePointFactory(
        code=code, kind=ServicePointKind.PORT, city=CityFactory(code="110000")
    )
    return point


def employer(username: str = "employer", organisation: str = "Robotics Ltd") -> User:
    user: User = UserFactory(username=username, role=Role.ENTERPRISE, organisation=organisation)
    return user


def officer(username: str, *points: ServicePoint, role: str = Role.OFFICER) -> User:
    user: User = UserFactory(username=username, role=role)
    if points:
        user.service_points.set(points)
    return user


def work_permit(person: object, category: str = WorkPermitCategory.A, number: str = "WP1") -> WorkPermit:
    return WorkPermit.objects.create(
        number=number,
        person=person,
        category=category,
        employer_name="Robotics Ltd",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2028, 12, 31),
        created_at=MONDAY_10,
    )
