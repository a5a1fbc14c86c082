from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class IssueTicketIn(Schema):
    """A walk-in's ticket: a catalog service code, or a counter skill."""

    service: str | None = Field(None, max_length=80)
    skill: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=30)


class CheckInIn(Schema):
    code: str = Field(..., min_length=1, max_length=20)
    phone: str | None = Field(None, max_length=30)


class TransferIn(Schema):
    skill: str | None = Field(None, max_length=20)
    counter_id: int | None = Field(None, ge=1, le=2**63 - 1)


class TicketOut(Schema):
    id: int
    number: str
    service_point_id: int
    skill: str
    skill_label: str
    service: str
    priority: str
    status: str
    counter: str | None
    people_ahead: int
    predicted_wait_minutes: int | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    phone: str  # masked
    appointment_code: str | None


class CallOut(Schema):
    ticket: str
    counter: str
    skill: str
    recalled: bool


class SkillQueueOut(Schema):
    skill: str
    label: str
    waiting: int
    counters_open: int
    busy: int
    predicted_wait_minutes: int | None
    mean_service_minutes: float | None
    now_calling: list[CallOut]


class HallQueueOut(Schema):
    service_point_id: int
    at: dt.datetime
    waiting: int
    predicted_wait_minutes: int | None
    skills: list[SkillQueueOut]
    now_calling: list[CallOut]


class CounterSessionOut(Schema):
    counter_id: int
    counter: str
    service_point_id: int
    officer: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
