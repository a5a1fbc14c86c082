"""The calendar API: working-day arithmetic for other systems (contracts in docs/DESIGN.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from exitentry.core.schemas import ErrorOut
from exitentry.workdays import services
from exitentry.workdays.schemas import AddWorkingDaysOut, DayOut, IsoDate

router = Router(tags=["workdays"])


@router.get("/add-working-days", response={200: AddWorkingDaysOut, 422: ErrorOut}, auth=None)
def add_working_days(
    request: HttpRequest,
    start: IsoDate,
    days: int = Query(..., description=f"0 to {services.MAX_DAYS}"),
) -> AddWorkingDaysOut:
    """The `days`-th working day after `start` (`start` itself is not counted).

    Weekends and public holidays are skipped; official make-up working days count. A year
    without official or declared holiday data answers 422 `calendar_unknown_year`.
    """
    due = services.add_working_days(start, days)
    return AddWorkingDaysOut(start=start, days=days, due=due)


@router.get("/days/{date}", response={200: DayOut, 422: ErrorOut}, auth=None)
def day(request: HttpRequest, date: IsoDate) -> DayOut:
    """Whether `date` is a working day, and the name of its public holiday (in the request's language)."""
    info = services.describe_day(date)
    return DayOut(
        date=info.date,
        is_working_day=info.is_working_day,
        holiday=info.holiday,
        is_makeup_workday=info.is_makeup_workday,
        makeup_for=info.makeup_for,
        source=info.source,
    )
