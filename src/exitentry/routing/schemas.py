"""Shapes of the routing API (contract in docs/DESIGN.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator

_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)", re.IGNORECASE
)
_UNENCODED_PLUS = re.compile(r"^(.*\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?) (\d{2}(:?\d{2})?)$")


def _iso_datetime_with_offset(value: Any) -> Any:
    """ISO 8601 with an offset only: no timestamps, no naive local times."""
    if not isinstance(value, str):
        raise ValueError("expected a date and time as YYYY-MM-DDTHH:MM+08:00")
    text = value.strip()
    # A "+" left unencoded in a query string arrives as a space: 10:00 08:00 means 10:00+08:00.
    text = _UNENCODED_PLUS.sub(r"\1+\4", text)
    if not _ISO_DATETIME.fullmatch(text):
        raise ValueError("expected a date and time with its offset, e.g. 2026-09-21T10:00+08:00")
    return text


IsoDateTimeWithOffset = Annotated[dt.datetime, BeforeValidator(_iso_datetime_with_offset)]


class RecommendationOut(Schema):
    service_point_id: int
    code: str
    name: str
    address: str
    distance_km: float
    travel_minutes: float
    predicted_wait_minutes: float | None
    score: float | None
    arrival: dt.datetime
    waiting: int
    booked_due: int
    en_route: int
    counters: int
    opens_at: dt.datetime | None = None  # when the hall opens after the arrival; the wait includes it
