"""Working-day arithmetic on the official calendar plus the editable overrides table.

Rules: Monday to Friday are working days and weekends are not, except that official public
holidays are not working days and official make-up working days (调休) are, even on a weekend.
An override in the table beats the library. A year neither the library nor a declared
`CalendarYear` covers raises `CalendarUnknownYear`: the calendar never guesses, not even for a
day of that year that already has an override (the year's list is incomplete until declared).

Changes (`save_day_override`, `delete_day_override`, `declare_calendar_year`,
`withdraw_calendar_year`) each own a transaction and write an audit event in it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import chinese_calendar
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import Conflict, DomainError, InvalidInput, NotFound
from exitentry.core.i18n import LANGUAGE_CODES, missing_languages
from exitentry.workdays.models import FIRST_YEAR, LAST_YEAR, CalendarYear, DayKind, DayOverride

logger = logging.getLogger(__name__)

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


class CalendarYearOutOfRange(InvalidInput):
    code = "calendar_year_out_of_range"
    default_message = _("The calendar only holds the years 2000 to 2100.")


class CalendarYearOfficial(Conflict):
    code = "calendar_year_official"
    default_message = _("The official calendar already covers this year; enter changes as overrides.")


class CalendarYearAlreadyDeclared(Conflict):
    code = "calendar_year_already_declared"
    default_message = _("This year has already been declared.")


class CalendarYearWithoutHolidays(InvalidInput):
    code = "calendar_year_without_holidays"
    default_message = _("Enter the year's public holidays as overrides before declaring the year.")


class OverrideNamesMissing(InvalidInput):
    code = "calendar_override_names_missing"
    default_message = _("Give the name in every language.")


class OverrideExists(Conflict):
    code = "calendar_override_exists"
    default_message = _("There is already an override for this date.")


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_working_day: bool
    holiday: str | None  # translated holiday name, or None
    is_makeup_workday: bool
    source: str  # "official", "override" or "weekday_rule"
    makeup_for: str | None = None  # on a make-up working day: the holiday it makes up for, if known


@dataclass(frozen=True)
class YearCoverage:
    year: int
    official: bool  # the library holds the State Council's notice for this year
    declared_source: str | None  # the notice an administrator entered the year from, if declared

    @property
    def known(self) -> bool:
        return self.official or self.declared_source is not None


@functools.cache
def _library_years() -> range:
    holidays = chinese_calendar.constants.holidays
    return range(min(holidays).year, max(holidays).year + 1)


def library_covers(year: int) -> bool:
    return year in _library_years()


def _declared_years(first: int, last: int) -> set[int]:
    return set(CalendarYear.objects.filter(year__gte=first, year__lte=last).values_list("year", flat=True))


def unknown_year(year: int) -> CalendarUnknownYear:
    message = _(
        "The official holiday calendar for %(year)s has not been published yet, "
        "so working days in that year cannot be counted."
    ) % {"year": year}
    return CalendarUnknownYear(message, year=year)


def _official_name(name: str | None) -> str | None:
    if name is None:
        return None
    return str(OFFICIAL_HOLIDAY_NAMES.get(name, name))


class _Window:
    """Everything needed to answer for a run of dates, fetched with one query per table."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.overrides = {o.date: o for o in DayOverride.objects.filter(date__gte=first, date__lte=last)}
        self.declared = _declared_years(first.year, last.year)

    def describe(self, day: dt.date) -> DayInfo:
        official = library_covers(day.year)
        if not official and day.year not in self.declared:
            raise unknown_year(day.year)
        weekend = day.weekday() >= 5
        override = self.overrides.get(day)
        if override is not None:
            working = override.kind == DayKind.WORKDAY
            return DayInfo(
                date=day,
                is_working_day=working,
                holiday=None if working else (override.name or gettext("Public holiday")),
                is_makeup_workday=working and weekend,
                source="override",
                makeup_for=(override.name or None) if working and weekend else None,
            )
        if official:
            on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
            working = chinese_calendar.is_workday(day)
            return DayInfo(
                date=day,
                is_working_day=working,
                holiday=_official_name(holiday_name) if on_holiday else None,
                is_makeup_workday=working and weekend,
                source="official",
                makeup_for=_official_name(holiday_name) if working and weekend else None,
            )
        return DayInfo(
            date=day, is_working_day=not weekend, holiday=None, is_makeup_workday=False, source="weekday_rule"
        )


def describe_day(day: dt.date) -> DayInfo:
    return _Window(day, day).describe(day)


def is_working_day(day: dt.date) -> bool:
    return describe_day(day).is_working_day


def year_coverage(year: int) -> YearCoverage:
    declared = CalendarYear.objects.filter(year=year).values_list("source", flat=True).first()
    return YearCoverage(year=year, official=library_covers(year), declared_source=declared)


def _check_days(days: int) -> None:
    if days < 0 or days > MAX_DAYS:
        raise InvalidInput(
            _("The number of days must be between 0 and %(max)s.") % {"max": MAX_DAYS},
            field="days",
            max=MAX_DAYS,
        )


def _shift(day: dt.date, days: int) -> dt.date:
    """`day` moved by `days`, refusing to step past the last date the calendar can express."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise unknown_year(day.year) from None


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (`start` itself is not counted; 0 → `start`)."""
    _check_days(days)
    if days == 0:
        return start
    # A working day turns up at least every ~10 calendar days even around Spring Festival.
    span = days * 2 + 20
    window_end = _shift_capped(start, span)
    window = _Window(start, window_end)
    day, counted = start, 0
    while counted < days:
        day = _shift(day, 1)
        if day > window_end:  # only after a long run of holiday overrides
            window_end = _shift_capped(day, span)
            window = _Window(day, window_end)
        if window.describe(day).is_working_day:
            counted += 1
    return day


def _shift_capped(day: dt.date, days: int) -> dt.date:
    return dt.date.max if (dt.date.max - day).days < days else day + dt.timedelta(days=days)


def add_calendar_days(start: dt.date, days: int) -> dt.date:
    _check_days(days)
    try:
        return start + dt.timedelta(days=days)
    except OverflowError:
        raise InvalidInput(_("The date is too far in the future."), field="start") from None


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


# --- Changes: overrides and declared years -------------------------------------------------------


def check_year_in_range(year: int, *, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarYearOutOfRange(
            _("The calendar only holds the years %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field=field,
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )


def clean_override(day: dt.date, kind: str, names: Mapping[str, Any] | None) -> dict[str, str]:
    """Validate an override's fields; returns the names to store (five languages or none).

    A holiday needs its name in all five languages; a make-up working day may name the holiday
    it makes up for, and then also in all five.
    """
    check_year_in_range(day.year, field="date")
    if kind not in DayKind.values:
        raise InvalidInput(_("Choose whether the day is a holiday or a working day."), field="kind")
    cleaned: dict[str, str] = {}
    for code in LANGUAGE_CODES:
        value = (names or {}).get(code)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(_("Names must be text."), field="names", language=code)
        if value and value.strip():
            cleaned[code] = value.strip()
    missing = missing_languages(cleaned)
    if missing and (kind == DayKind.HOLIDAY or cleaned):
        message = (
            _("Give the holiday's name in every language.")
            if kind == DayKind.HOLIDAY
            else _("Give the name of the holiday this day makes up for in every language, or in none.")
        )
        raise OverrideNamesMissing(message, field="names", missing=missing)
    return cleaned


def _override_snapshot(override: DayOverride) -> dict[str, Any]:
    return {
        "date": override.date.isoformat(),
        "kind": override.kind,
        "names": dict(override.names),
        "note": override.note,
    }


def save_day_override(
    *,
    actor: Any,
    date: dt.date,
    kind: str,
    names: Mapping[str, Any] | None = None,
    note: str = "",
    override_id: int | None = None,
    request: HttpRequest | None = None,
) -> DayOverride:
    """Create or change the override for `date` (or, with `override_id`, change that row).

    Without `override_id` an existing override for the same date is replaced, so entering a
    year's notice twice is harmless.
    """
    cleaned_names = clean_override(date, kind, names)
    note = (note or "").strip()
    try:
        with transaction.atomic():
            if override_id is not None:
                override = DayOverride.objects.select_for_update().filter(pk=override_id).first()
                if override is None:
                    raise NotFound(_("That calendar override does not exist."), override_id=override_id)
            else:
                override = DayOverride.objects.select_for_update().filter(date=date).first()
            before = _override_snapshot(override) if override is not None else None
            if override is None:
                override = DayOverride(date=date)
            override.date = date
            override.kind = kind
            override.names = cleaned_names
            override.note = note
            override.save()
            record_event(
                "calendar.override_saved",
                actor=actor,
                obj=override,
                before=before,
                after=_override_snapshot(override),
                request=request,
            )
    except IntegrityError:
        raise OverrideExists(date=date.isoformat()) from None
    return override


def delete_day_override(*, actor: Any, override_id: int, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        override = DayOverride.objects.select_for_update().filter(pk=override_id).first()
        if override is None:
            raise NotFound(_("That calendar override does not exist."), override_id=override_id)
        before = _override_snapshot(override)
        record_event(
            "calendar.override_deleted",
            actor=actor,
            obj=override,
            before=before,
            request=request,
        )
        override.delete()


def clean_declaration(year: int, source: str) -> tuple[str, int]:
    """Check that `year` may be declared now; returns the cleaned source and the holidays entered."""
    check_year_in_range(year, field="year")
    if library_covers(year):
        raise CalendarYearOfficial(
            _("The official calendar already covers %(year)s; enter changes as overrides.") % {"year": year},
            field="year",
            year=year,
        )
    if CalendarYear.objects.filter(year=year).exists():
        raise _already_declared(year)
    source = (source or "").strip()
    if not source:
        raise InvalidInput(_("Say which State Council notice the days come from."), field="source")
    holidays = DayOverride.objects.filter(date__year=year, kind=DayKind.HOLIDAY).count()
    if holidays == 0:
        raise CalendarYearWithoutHolidays(
            _("Enter the public holidays of %(year)s as overrides before declaring the year.")
            % {"year": year},
            field="year",
            year=year,
        )
    return source, holidays


def _already_declared(year: int) -> CalendarYearAlreadyDeclared:
    return CalendarYearAlreadyDeclared(
        _("%(year)s has already been declared.") % {"year": year}, field="year", year=year
    )


def declare_calendar_year(
    *, actor: Any, year: int, source: str, request: HttpRequest | None = None
) -> CalendarYear:
    """Declare that `year`'s holidays and make-up working days have all been entered as overrides.

    From then on the calendar answers for the year: overrides first, weekdays work, weekends rest.
    """
    try:
        with transaction.atomic():
            source, holidays = clean_declaration(year, source)
            declared = CalendarYear.objects.create(year=year, source=source)
            record_event(
                "calendar.year_declared",
                actor=actor,
                obj=declared,
                after={"year": year, "source": source, "holidays": holidays},
                request=request,
            )
    except IntegrityError:
        raise _already_declared(year) from None
    return declared


def withdraw_calendar_year(*, actor: Any, year: int, request: HttpRequest | None = None) -> None:
    """Undo a declaration: the calendar stops answering for `year` until it is declared again."""
    with transaction.atomic():
        declared = CalendarYear.objects.select_for_update().filter(year=year).first()
        if declared is None:
            raise NotFound(_("That year has not been declared."), year=year)
        record_event(
            "calendar.year_withdrawn",
            actor=actor,
            obj=declared,
            before={"year": declared.year, "source": declared.source},
            request=request,
        )
        declared.delete()


# --- Watching for the next year --------------------------------------------------------------------

# Administrators declare a year; managers plan the halls and answer for the promised dates.
ROLES_TOLD_OF_A_MISSING_YEAR = (Role.ADMIN, Role.MANAGER)


def _tell_the_people_who_declare_it(year: int) -> None:
    from django.contrib.auth import get_user_model

    from exitentry.notifications.services import notify

    recipients = get_user_model().objects.filter(role__in=ROLES_TOLD_OF_A_MISSING_YEAR, is_active=True)
    for user in recipients.order_by("pk"):
        # The daily watch reminds each of them once per year, not every morning.
        notify(
            user,
            "calendar_year_missing",
            {"year": year},
            dedupe_key=f"calendar-year-missing:{year}:{user.pk}",
        )


# The month from which a missing calendar for the next year is reported.
WARN_FROM_MONTH = 12


def years_missing_soon(today: dt.date) -> list[int]:
    """The years that will be needed soon but that the calendar cannot answer for.

    Always the current year; from December 1 also the next one, since promises made in
    late December already end in January.
    """
    return _unknown_years(today.year, today.year + 1 if today.month >= WARN_FROM_MONTH else today.year)


def _unknown_years(first: int, last: int) -> list[int]:
    """The years from `first` to `last` with neither official data nor a declared CalendarYear."""
    known = _declared_years(first, last)
    return [year for year in range(first, last + 1) if not library_covers(year) and year not in known]


def first_day_without_calendar(first: dt.date, last: dt.date) -> dt.date | None:
    """The first day from `first` to `last` whose year the calendar cannot answer for, or None."""
    unknown = _unknown_years(first.year, last.year)
    return max(first, dt.date(unknown[0], 1, 1)) if unknown else None


def warn_about_missing_years() -> list[int]:
    """Log, audit and tell each administrator and manager (once a year each) about every year the
    calendar will soon be asked about but cannot answer for: a log line alone is a quiet warning."""
    missing = years_missing_soon(clock.today())
    if not missing:
        return []
    with transaction.atomic():
        for year in missing:
            _tell_the_people_who_declare_it(year)
            logger.warning(
                "working-day calendar: %s has neither official data nor a declared CalendarYear; "
                "promised dates reaching into it will fail until an administrator declares it",
                year,
            )
            record_event(
                "calendar.year_missing",
                actor="system",
                object_type="workdays.calendaryear",
                object_id=str(year),
                year=year,
            )
    return missing
