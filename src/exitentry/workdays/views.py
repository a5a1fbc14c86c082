"""The public working-day calendar page: a month grid and a "count N working days" form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.workdays import services
from exitentry.workdays.forms import CountForm, MonthForm
from exitentry.workdays.models import FIRST_YEAR, LAST_YEAR
from exitentry.workdays.services import CalendarUnknownYear, DayInfo


@dataclass(frozen=True)
class Cell:
    info: DayInfo
    kind: str  # "workday", "makeup", "holiday", "weekend" or "rest"
    label: str  # what the day is, in words ("" for an ordinary working day)
    marker: str  # a one-word tag shown on small screens ("" for an ordinary working day)
    is_today: bool
    is_start: bool
    is_due: bool


@dataclass(frozen=True)
class SpecialDays:
    """A run of days worth listing under the grid: one holiday period or one make-up working day."""

    first: dt.date
    last: dt.date
    kind: str  # "holiday" or "makeup"
    name: str | None

    @property
    def text(self) -> str:
        first = date_format(self.first, "DATE_FORMAT")
        if self.kind == "makeup":
            day = gettext("%(date)s (%(weekday)s)") % {
                "date": first,
                "weekday": WEEKDAYS[self.first.weekday()],
            }
            if self.name:
                return gettext("%(day)s: make-up working day for %(holiday)s") % {
                    "day": day,
                    "holiday": self.name,
                }
            return gettext("%(day)s: make-up working day") % {"day": day}
        if self.first == self.last:
            return gettext("%(date)s: %(holiday)s, no work") % {"date": first, "holiday": self.name}
        return gettext("%(first)s to %(last)s: %(holiday)s, no work") % {
            "first": first,
            "last": date_format(self.last, "DATE_FORMAT"),
            "holiday": self.name,
        }


@dataclass(frozen=True)
class CountResult:
    start: dt.date
    days: int
    due: dt.date


def _cell(info: DayInfo, today: dt.date, result: CountResult | None) -> Cell:
    weekend = info.date.weekday() >= 5
    if info.is_working_day and weekend:
        kind, marker = "makeup", pgettext("calendar cell", "Work")
        if info.makeup_for:
            label = gettext("Make-up working day for %(holiday)s") % {"holiday": info.makeup_for}
        else:
            label = gettext("Make-up working day")
    elif info.is_working_day:
        kind, label, marker = "workday", "", ""
    elif info.holiday:
        kind, marker = "holiday", pgettext("calendar cell", "Off")
        label = gettext("Public holiday: %(holiday)s") % {"holiday": info.holiday}
    elif weekend:
        kind, label, marker = "weekend", gettext("Weekend"), ""
    else:
        kind, label, marker = "rest", gettext("Rest day"), pgettext("calendar cell", "Off")
    return Cell(
        info=info,
        kind=kind,
        label=label,
        marker=marker,
        is_today=info.date == today,
        is_start=result is not None and info.date == result.start,
        is_due=result is not None and info.date == result.due,
    )


def _weeks(year: int, month: int, cells: list[Cell]) -> list[list[Cell | None]]:
    """Rows of seven, Monday first, padded with None before the 1st and after the last day."""
    padded: list[Cell | None] = [None] * dt.date(year, month, 1).weekday() + list(cells)
    padded += [None] * (-len(padded) % 7)
    return [padded[i : i + 7] for i in range(0, len(padded), 7)]


def _special_days(days: list[DayInfo]) -> list[SpecialDays]:
    found: list[SpecialDays] = []
    for info in days:
        if info.holiday:
            previous = found[-1] if found else None
            if (
                previous is not None
                and previous.kind == "holiday"
                and previous.name == info.holiday
                and previous.last + dt.timedelta(days=1) == info.date
            ):
                found[-1] = SpecialDays(previous.first, info.date, "holiday", info.holiday)
            else:
                found.append(SpecialDays(info.date, info.date, "holiday", info.holiday))
        elif info.is_makeup_workday:
            found.append(SpecialDays(info.date, info.date, "makeup", info.makeup_for))
    return found


def _month_link(query: QueryDict, year: int, month: int) -> str | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    params = query.copy()
    params.pop("action", None)
    params["year"] = str(year)
    params["month"] = str(month)
    return "?" + params.urlencode()


def _count(form: CountForm) -> CountResult | None:
    if not form.is_bound or not form.is_valid():
        return None
    start, days = form.cleaned_data["start"], form.cleaned_data["days"]
    try:
        due = services.add_working_days(start, days)
    except DomainError as error:
        field = error.details.get("field")
        form.add_error(field if field in form.fields else "start", str(error.message))
        return None
    return CountResult(start=start, days=days, due=due)


def calendar_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    query = request.GET

    count_form = CountForm(query) if ("start" in query or "days" in query) else CountForm()
    result = _count(count_form)

    chosen = "year" in query or "month" in query
    month_form = MonthForm(query) if chosen else None
    if month_form is not None and month_form.is_valid():
        year, month = month_form.cleaned_data["year"], month_form.cleaned_data["month"]
    elif result is not None and not chosen:
        year, month = result.due.year, result.due.month
    else:
        year, month = today.year, today.month
    if month_form is None or month_form.is_valid():
        month_form = MonthForm(initial={"year": year, "month": month})

    coverage = services.year_coverage(year)
    unknown_message = None
    weeks: list[list[Cell | None]] = []
    special: list[SpecialDays] = []
    try:
        days = services.month_days(year, month)
    except CalendarUnknownYear as error:
        unknown_message = str(error.message)
    else:
        weeks = _weeks(year, month, [_cell(info, today, result) for info in days])
        special = _special_days(days)

    errors = [
        (form[name if name in form.fields else next(iter(form.fields))].id_for_label, message)
        for form in (month_form, count_form)
        for name, messages in form.errors.items()
        for message in messages
    ]
    previous_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    context = {
        "today": today,
        "first_day": dt.date(year, month, 1),
        "weeks": weeks,
        "special_days": special,
        "coverage": coverage,
        "unknown_message": unknown_message,
        "month_form": month_form,
        "count_form": count_form,
        "result": result,
        "focus_result": result is not None and query.get("action") == "count",
        "errors": errors,
        "previous_link": _month_link(query, *previous_month),
        "next_link": _month_link(query, *next_month),
        "this_month_link": _month_link(query, today.year, today.month),
        "weekdays": _weekday_headers(),
        "kept_count": [(name, query[name]) for name in ("start", "days") if name in query],
    }
    return render(request, "workdays/calendar.html", context)


def _weekday_headers() -> list[tuple[str, str]]:
    """(full name for screen readers, one- or two-letter heading shown) for Monday to Sunday."""
    short = [
        pgettext("weekday, column heading", "Mo"),
        pgettext("weekday, column heading", "Tu"),
        pgettext("weekday, column heading", "We"),
        pgettext("weekday, column heading", "Th"),
        pgettext("weekday, column heading", "Fr"),
        pgettext("weekday, column heading", "Sa"),
        pgettext("weekday, column heading", "Su"),
    ]
    return [(str(WEEKDAYS[i]), short[i]) for i in range(7)]
