"""Working-day arithmetic on the official calendar plus the editable overrides table.

Rules: Monday to Friday are working days and weekends are not, except that official public
holidays are not working days and official make-up working days (调休) are, even on a weekend.
An override in the table beats the library. A year neither the library nor a declared
`CalendarYear` covers raises `CalendarUnknownYear`: the calendar never guesses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.core.errors import DomainError, InvalidInput
from exitentry.workdays.models import CalendarYear, DayKind, DayOverride

# The widest span a single calculation may cover; promises are days or weeks, never decades.
MAX_DAYS = 3660

# Holiday names as the library reports them (its English enum names), translated for display.
OFFICIAL_HOLIDAY_NAMES = {
    "New Year's Day": pgettext_lazy("holiday", "New Year's Day"),
    "Spring Festival": pgettext_lazy("holiday", "Spring Festival"),
    "Tomb-sweeping Day": pgettext_lazy("holiday", "Tomb-sweeping Day"),
    "Labour Day": pgettext_lazy("holiday", "Labour Day"),
    "Dragon Boat Festival": pgettext_lazy("holiday", "Dragon Boat Festival"),
    "National Day": pgettext_lazy("holiday", "National Day"),
    "Mid-autumn Festival": pgettext_lazy("holiday", "Mid-autumn Festival"),
    "Anti-Fascist 70th Day": pgettext_lazy("holiday", "Anti-Fascist 70th Day"),
}


class CalendarUnknownYear(DomainError):
    status = 422
    code = "calendar_unknown_year"
    default_message = _("The official holiday calendar for this year has not been published yet.")


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_working_day: bool
    holiday: str | None  # translated holiday name, or None
    is_makeup_workday: bool
    source: str  # "official", "override" or "weekday_rule"


def _library_years() -> range:
    holidays = chinese_calendar.constants.holidays
    return range(min(holidays).year, max(holidays).year + 1)


def _library_covers(year: int) -> bool:
    return year in _library_years()


def _declared_years(first: int, last: int) -> set[int]:
    return set(CalendarYear.objects.filter(year__gte=first, year__lte=last).values_list("year", flat=True))


class _Window:
    """Everything needed to answer for a run of dates, fetched with one query per table."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.overrides = {o.date: o for o in DayOverride.objects.filter(date__gte=first, date__lte=last)}
        self.declared = _declared_years(first.year, last.year)

    def describe(self, day: dt.date) -> DayInfo:
        override = self.overrides.get(day)
        if override is not None:
            working = override.kind == DayKind.WORKDAY
            return DayInfo(
                date=day,
                is_working_day=working,
                holiday=None if working else (override.name or str(_("Public holiday"))),
                is_makeup_workday=working and day.weekday() >= 5,
                source="override",
            )
        if _library_covers(day.year):
            on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
            working = chinese_calendar.is_workday(day)
            holiday = None
            if on_holiday and holiday_name is not None:
                holiday = str(OFFICIAL_HOLIDAY_NAMES.get(holiday_name, holiday_name))
            return DayInfo(
                date=day,
                is_working_day=working,
                holiday=holiday,
                is_makeup_workday=working and day.weekday() >= 5,
                source="official",
            )
        if day.year in self.declared:
            working = day.weekday() < 5
            return DayInfo(date=day, is_working_day=working, holiday=None, is_makeup_workday=False,
                           source="weekday_rule")
        raise CalendarUnknownYear(year=day.year)


def describe_day(day: dt.date) -> DayInfo:
    return _Window(day, day).describe(day)


def is_working_day(day: dt.date) -> bool:
    return describe_day(day).is_working_day


def _check_days(days: int) -> None:
    if days < 0 or days > MAX_DAYS:
        raise InvalidInput(_("The number of days must be between 0 and %(max)s.") % {"max": MAX_DAYS},
                           field="days", max=MAX_DAYS)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (`start` itself is not counted; 0 → `start`)."""
    _check_days(days)
    if days == 0:
        return start
    # A working day turns up at least every ~10 calendar days even around Spring Festival.
    horizon = start + dt.timedelta(days=days * 2 + 20)
    window = _Window(start, horizon)
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day > horizon:  # pragma: no cover - only with a pathological run of overrides
            horizon = day + dt.timedelta(days=days * 2 + 20)
            window = _Window(day, horizon)
        if window.describe(day).is_working_day:
            counted += 1
    return day


def add_calendar_days(start: dt.date, days: int) -> dt.date:
    _check_days(days)
    return start + dt.timedelta(days=days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]: how many of a promise's working days have elapsed by `end`."""
    if end <= start:
        return 0
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(_("The period is too long."), field="end")
    window = _Window(start, end)
    day, count = start, 0
    while day < end:
        day += dt.timedelta(days=1)
        if window.describe(day).is_working_day:
            count += 1
    return count


def month_days(year: int, month: int) -> list[DayInfo]:
    """Every day of a month, for the calendar page."""
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    window = _Window(first, last)
    return [window.describe(first + dt.timedelta(days=i)) for i in range((last - first).days + 1)]
