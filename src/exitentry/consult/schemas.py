from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class ArticleOut(Schema):
    id: int
    slug: str
    category: str
    language: str
    question: str
    answer: str
    checklist_url: str | None
    booking_url: str | None


class SearchHitOut(ArticleOut):
    score: float


class SearchOut(Schema):
    query: str
    truncated: bool
    results: list[SearchHitOut]


class TicketIn(Schema):
    language: str = Field(..., max_length=10)


class TicketOut(Schema):
    id: int
    number: str
    language: str
    status: str
    category: str
    outcome: str
    consent_recorded: bool
    caller_found: bool
    verified: bool
    escalated_to: int | None
    articles: list[str]


class LookupIn(Schema):
    kind: str = Field(..., max_length=20)
    value: str = Field(..., min_length=1, max_length=40)


class VerifyIn(Schema):
    id_last6: str = Field(..., min_length=1, max_length=6)
    birth_date: dt.date


class CallerApplicationOut(Schema):
    number: str
    status: str
    status_label: str
    services: list[str]
    promised_date: dt.date | None
    service_point: str


class CallerAppointmentOut(Schema):
    id: int
    code: str
    service: str
    service_point: str
    start: dt.datetime
    status: str
    status_label: str
    cancellable: bool


class CallerOut(Schema):
    verified: bool
    unmasked: bool
    full_name: str
    id_number: str
    phone: str
    birth_date: str
    has_account: bool
    applications: list[CallerApplicationOut]
    appointments: list[CallerAppointmentOut]


class ShareIn(Schema):
    article_id: int = Field(..., ge=1, le=2**31 - 1)


class ShareOut(Schema):
    ticket: TicketOut
    article: ArticleOut


class CallerBookingIn(Schema):
    slot_id: int = Field(..., ge=1, le=2**31 - 1)
    service: str = Field(..., min_length=1, max_length=80)


class CallerBookingOut(Schema):
    id: int
    code: str
    slot_id: int
    status: str
    start: dt.datetime
    service_point: str


class CloseIn(Schema):
    category: str = Field(..., max_length=20)
    outcome: str = Field(..., max_length=12)
    summary: str = Field("", max_length=2000)


class EscalateIn(Schema):
    service_point_id: int = Field(..., ge=1, le=2**31 - 1)
    category: str = Field(..., max_length=20)
    note: str = Field(..., min_length=1, max_length=2000)


class EscalationOut(Schema):
    id: int
    number: str
    language: str
    category: str
    status: str
    service_point_id: int
    note: str
    resolution: str
    created_at: dt.datetime


class ResolveIn(Schema):
    resolution: str = Field(..., min_length=1, max_length=2000)


class HomeVisitIn(Schema):
    ground: str = Field(..., max_length=20)
    services: list[str] = Field(..., min_length=1, max_length=10)
    address: str = Field(..., min_length=1, max_length=300)
    phone: str = Field("", max_length=20)
    service_point_id: int = Field(..., ge=1, le=2**31 - 1)
    group_size: int | None = Field(None, ge=1, le=100000)
    organisation: str = Field("", max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class HomeVisitOut(Schema):
    id: int
    number: str
    ground: str
    status: str
    status_label: str
    services: list[str]
    service_point_id: int
    refusal_reason: str
    team: str | None
    visit_start: dt.datetime | None
    visit_end: dt.datetime | None
    travel_minutes: int | None
    applications: list[str]


class DecisionIn(Schema):
    accept: bool
    reason: str = Field("", max_length=500)


class ScheduleIn(Schema):
    team_id: int = Field(..., ge=1, le=2**31 - 1)
    day: dt.date
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class FileApplicationIn(Schema):
    services: list[str] = Field(..., min_length=1, max_length=10)
    person_id_number: str = Field("", max_length=18)


class FiledApplicationOut(Schema):
    number: str
    channel: str
    visit: HomeVisitOut
