"""Shapes of the insight API at /api/v1/insight (managers, supervisors, administrators)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class PeriodOut(Schema):
    period: str
    total: int
    last_year: int
    change_percent: float | None
    by_type: dict[str, int]


class AreaOut(Schema):
    city_code: str
    name: str
    total: int
    last_year: int
    change_percent: float | None


class TotalsOut(Schema):
    accepted: int
    last_year: int
    change_percent: float | None
    approved: int
    rejected: int
    zero_visit: int
    zero_visit_percent: float | None
    zero_visit_percent_last_year: float | None


class SlaTypeOut(Schema):
    document_type: str
    name: str
    due: int
    breached: int
    compliance_percent: float | None


class SlaOut(Schema):
    until: dt.date | None
    due: int
    warned: int
    breached: int
    compliance_percent: float | None
    by_type: list[SlaTypeOut]


class HallOut(Schema):
    id: int
    name: str
    tickets: int
    mean_wait_minutes: float | None
    appointments: int
    no_show_percent: float | None


class HallsOut(Schema):
    hours: list[int]
    mean_wait_minutes_by_weekday_hour: list[list[float | None]]
    no_show_percent_by_weekday_hour: list[list[float | None]]
    mean_wait_minutes: float | None
    no_show_percent: float | None
    halls: list[HallOut]


class ShareOut(Schema):
    key: str
    label: str
    count: int
    percent: float | None
    amount: Decimal | None = None


class DashboardOut(Schema):
    start: dt.date
    end: dt.date
    city: str
    granularity: str
    scoped_to_service_points: list[int] | None
    as_of: dt.datetime | None
    totals: TotalsOut
    trend: list[PeriodOut]
    cities: list[AreaOut]
    sla: SlaOut
    halls: HallsOut
    channels: list[ShareOut]
    payments: list[ShareOut]


class PublicMonthOut(Schema):
    month: str
    accepted: int
    mean_wait_minutes: float | None
