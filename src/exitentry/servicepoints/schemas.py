from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: Any) -> Any:
    # Pydantic alone would also read "0" or "1700000000" as timestamps; the contract is YYYY-MM-DD.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


class SessionOut(Schema):
    kind: str
    kind_label: str
    opens: str
    closes: str
    no_lunch_break: bool
    valid_from: dt.date | None
    valid_to: dt.date | None


class TodayOut(Schema):
    date: dt.date
    open: bool | None
    reason: str
    sessions: list[SessionOut]


class ServicePointOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    city_code: str
    city: str
    address: str
    latitude: float
    longitude: float
    distance_km: float | None
    open_now: bool | None
    waiting: int | None
    predicted_wait_minutes: int | None
    today: TodayOut


class WeekdayOut(Schema):
    weekday: int
    label: str
    sessions: list[SessionOut]


class ClosureOut(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str


class ServicePointDetailOut(ServicePointOut):
    phone: str
    calendar_rule: str
    makeup_day_weekday: int
    skills: list[str]
    hours: list[WeekdayOut]
    closures: list[ClosureOut]


class SlotOut(Schema):
    id: int
    start: dt.datetime
    end: dt.datetime
    skill: str
    capacity: int
    booked: int
    available: int
