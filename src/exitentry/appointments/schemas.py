from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class BookingIn(Schema):
    slot_id: int = Field(..., ge=1, le=2**63 - 1)
    service: str = Field(..., min_length=1, max_length=80)


class BookingOut(Schema):
    id: int
    code: str
    slot_id: int
    status: str


class AppointmentOut(Schema):
    id: int
    code: str
    slot_id: int
    service: str
    status: str
    status_label: str
    start: dt.datetime
    end: dt.datetime
    service_point_id: int
    service_point: str
    booked_at: dt.datetime
