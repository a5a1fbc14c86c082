from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: Any) -> Any:
    # Pydantic alone would also read "0" or "1700000000" as Unix timestamps; the contract is YYYY-MM-DD.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]


class AddWorkingDaysOut(Schema):
    start: dt.date
    days: int
    due: dt.date


class DayOut(Schema):
    date: dt.date
    is_working_day: bool
    holiday: str | None
    is_makeup_workday: bool
    makeup_for: str | None
    source: str
