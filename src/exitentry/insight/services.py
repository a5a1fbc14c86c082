"""Dashboard figures, read only from the rollup tables (see models.py and rollups.py).

Every function takes a `Filters` (period, area, the halls the user may see) and answers with a few
grouped queries over the rollups: a year of a province with ten million items is a sum over a few
hundred thousand rows. Year on year compares the same days one year earlier (29 February with
28 February). A supervisor sees only the halls they are scoped to; a manager the whole province.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.accounts.models import Role
from exitentry.accounts.services import service_point_ids_in_scope
from exitentry.audit.services import record_event
from exitentry.catalog.models import Channel, City, DocumentType
from exitentry.core import clock
from exitentry.core.errors import InvalidInput, PermissionDenied
from exitentry.core.i18n import localized
from exitentry.insight.models import (
    ENDORSEMENT,
    HallHourRollup,
    HallMonthRollup,
    IssuanceMonthRollup,
    IssuanceRollup,
    PaymentRollup,
    RollupDay,
    SlaRollup,
)
from exitentry.insight.rollups import month_end, policy_for
from exitentry.payments.models import Channel as PaymentChannel
from exitentry.servicepoints.models import ServicePoint
from exitentry.workdays.services import years_missing_soon

DASHBOARD_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.ADMIN)
GRANULARITIES = ("day", "month")


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    default_message = _("The first day must not be after the last.")


class PeriodTooLong(InvalidInput):
    code = "period_too_long"
    default_message = _("Choose at most %(limit)s days.")

    def __init__(self, limit: int) -> None:
        super().__init__(self.default_message % {"limit": limit}, limit=limit)


class UnknownArea(InvalidInput):
    code = "unknown_area"
    default_message = _("Choose one of the cities listed.")


class InvalidGranularity(InvalidInput):
    code = "invalid_granularity"
    default_message = _("Choose day or month.")


class NotAManager(PermissionDenied):
    code = "insight_forbidden"
    default_message = _("Only managers, supervisors and administrators can see the dashboards.")


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    city_code: str = ""
    point_ids: frozenset[int] | None = None  # None: the whole province
    granularity: str = "day"

    def rollups(self, model: type[models.Model], *, last_year: bool = False) -> models.QuerySet[Any]:
        start, end = (year_back(self.start), year_back(self.end)) if last_year else (self.start, self.end)
        return self.scope(model._default_manager.filter(day__gte=start, day__lte=end))

    def scope(self, rows: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Only the area's and the user's halls."""
        if self.city_code:
            rows = rows.filter(city_code=self.city_code)
        if self.point_ids is not None:
            rows = rows.filter(service_point_id__in=sorted(self.point_ids))
        return rows

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_on(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def change_percent(now: float, before: float) -> float | None:
    """Year-on-year change in percent, None when there is nothing to compare with."""
    if not before:
        return None
    return round((now - before) * 100.0 / before, 1)


def share_percent(part: float, whole: float) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


def check_can_view(user: Any) -> None:
    if not user.is_authenticated or not user.has_role(*DASHBOARD_ROLES):
        raise NotAManager()


def make_filters(
    user: Any, *, start: dt.date, end: dt.date, city_code: str = "", granularity: str = "day"
) -> Filters:
    """Check the period and area and scope them to the halls `user` may see."""
    check_can_view(user)
    if start > end:
        raise InvalidPeriod(start=start.isoformat(), end=end.isoformat())
    limit = policy_for().max_export_days
    if (end - start).days + 1 > limit:
        raise PeriodTooLong(limit)
    if granularity not in GRANULARITIES:
        raise InvalidGranularity(granularity=granularity)
    if city_code and not City.objects.filter(code=city_code).exists():
        raise UnknownArea(city=city_code)
    scope = service_point_ids_in_scope(user)
    return Filters(
        start=start,
        end=end,
        city_code=city_code,
        point_ids=None if scope is None else frozenset(scope),
        granularity=granularity,
    )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far (1 January to yesterday; on 1 January, the whole of last year)."""
    today = today or clock.today()
    end = today - dt.timedelta(days=1)
    return dt.date(end.year, 1, 1), end


# ---------------------------------------------------------------------------------------------
# Labels


def document_type_labels() -> dict[str, str]:
    labels = {doc.code: doc.name for doc in DocumentType.objects.all()}
    labels[ENDORSEMENT] = str(_("Endorsements"))
    return labels


def city_labels() -> dict[str, str]:
    return {city.code: city.name for city in City.objects.filter(service_points__isnull=False).distinct()}


def channel_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Channel.choices}


def payment_channel_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in PaymentChannel.choices}


def areas_for(user: Any) -> list[tuple[str, str]]:
    """The cities a user can filter by: those with halls in their scope."""
    points = ServicePoint.objects.all()
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        points = points.filter(pk__in=scope)
    codes = set(points.values_list("city__code", flat=True))
    return sorted(((code, name) for code, name in city_labels().items() if code in codes), key=lambda c: c[0])


# ---------------------------------------------------------------------------------------------
# Figures


SOURCES: dict[str, tuple[type[models.Model], type[models.Model]]] = {
    "issuance": (IssuanceRollup, IssuanceMonthRollup),
    "halls": (HallHourRollup, HallMonthRollup),
}


def split_period(
    start: dt.date, end: dt.date
) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
    """The whole months inside [start, end] (read from monthly rollups) and the days around them."""
    first_month = start if start.day == 1 else month_end(start) + dt.timedelta(days=1)
    last_month_end = end if end == month_end(end) else end.replace(day=1) - dt.timedelta(days=1)
    if first_month > last_month_end:
        return None, [(start, end)]
    days = []
    if start < first_month:
        days.append((start, first_month - dt.timedelta(days=1)))
    if last_month_end < end:
        days.append((last_month_end + dt.timedelta(days=1), end))
    return (first_month, last_month_end.replace(day=1)), days


def sum_rollups(
    filters: Filters,
    kind: str,
    keys: tuple[str, ...],
    sums: tuple[str, ...],
    *,
    last_year: bool = False,
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Sums of `sums` grouped by `keys` over the period: whole months from the monthly rollups,
    the days before and after them from the daily ones. The key "period" is the month."""
    daily, monthly = SOURCES[kind]
    start, end = (
        (year_back(filters.start), year_back(filters.end)) if last_year else (filters.start, filters.end)
    )
    months, day_ranges = split_period(start, end)
    found: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(sums, 0))

    def take(rows: models.QuerySet[Any], period: Any) -> None:
        if "period" in keys:
            rows = rows.annotate(period=period)
        grouped = rows.values(*keys).annotate(**{f"total_{name}": Sum(name) for name in sums}).order_by()
        for row in grouped:
            key = tuple(_as_date(row[name]) if name == "period" else row[name] for name in keys)
            for name in sums:
                found[key][name] += row[f"total_{name}"] or 0

    if months is not None:
        take(
            filters.scope(monthly._default_manager.filter(month__gte=months[0], month__lte=months[1])),
            F("month"),
        )
    for first, last in day_ranges:
        take(filters.scope(daily._default_manager.filter(day__gte=first, day__lte=last)), TruncMonth("day"))
    return found


@dataclass
class Breakdown:
    """Items accepted in the period by city, document type and channel, and a year before by city."""

    now: dict[tuple[Any, ...], dict[str, int]]
    last_year: dict[tuple[Any, ...], dict[str, int]]


ISSUANCE_SUMS = ("accepted", "approved", "rejected", "zero_visit")


def issuance_breakdown(filters: Filters) -> Breakdown:
    return Breakdown(
        now=sum_rollups(filters, "issuance", ("city_code", "document_type", "channel"), ISSUANCE_SUMS),
        last_year=sum_rollups(
            filters, "issuance", ("city_code",), ("accepted", "zero_visit"), last_year=True
        ),
    )


@dataclass
class Period:
    key: dt.date
    label: str
    total: int = 0
    last_year: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def change_percent(self) -> float | None:
        return change_percent(self.total, self.last_year)


def _period_label(day: dt.date, granularity: str) -> str:
    return f"{day:%Y-%m}" if granularity == "month" else day.isoformat()


def issuance_trend(filters: Filters) -> list[Period]:
    """Items accepted per day or month by document type, each with the same period a year before."""
    month = filters.granularity == "month"
    periods: dict[dt.date, Period] = {}

    def period_for(key: dt.date) -> Period:
        if key not in periods:
            periods[key] = Period(key=key, label=_period_label(key, filters.granularity))
        return periods[key]

    # Every period of the range appears, even with nothing accepted (a gap is a figure too).
    cursor = filters.start.replace(day=1) if month else filters.start
    while cursor <= filters.end:
        period_for(cursor)
        cursor = _next_period(cursor, month)
    if month:
        now = sum_rollups(filters, "issuance", ("period", "document_type"), ("accepted",))
        before = sum_rollups(filters, "issuance", ("period",), ("accepted",), last_year=True)
        this_year = [(key[0], key[1], sums["accepted"]) for key, sums in now.items()]
        last_year = [(key[0], sums["accepted"]) for key, sums in before.items()]
    else:
        this_year = list(
            filters.rollups(IssuanceRollup)
            .values_list("day", "document_type")
            .annotate(total=Sum("accepted"))
            .order_by()
        )
        last_year = list(
            filters.rollups(IssuanceRollup, last_year=True)
            .values_list("day")
            .annotate(total=Sum("accepted"))
            .order_by()
        )
    for key, document, total in this_year:
        entry = period_for(key)
        entry.by_type[document] = entry.by_type.get(document, 0) + total
        entry.total += total
    for key, total in last_year:
        later = year_on(key)
        if later in periods:
            periods[later].last_year += total
    return [periods[key] for key in sorted(periods)]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _next_period(day: dt.date, month: bool) -> dt.date:
    if not month:
        return day + dt.timedelta(days=1)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass
class AreaFigures:
    code: str
    name: str
    total: int = 0
    last_year: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def change_percent(self) -> float | None:
        return change_percent(self.total, self.last_year)


def issuance_by_city(filters: Filters, issued: Breakdown | None = None) -> list[AreaFigures]:
    issued = issued or issuance_breakdown(filters)
    names = city_labels()
    cities: dict[str, AreaFigures] = {}

    def area(code: str) -> AreaFigures:
        return cities.setdefault(code, AreaFigures(code, names.get(code, "")))

    for (code, document, _channel), sums in issued.now.items():
        entry = area(code)
        entry.by_type[document] = entry.by_type.get(document, 0) + sums["accepted"]
        entry.total += sums["accepted"]
    for (code,), sums in issued.last_year.items():
        area(code).last_year += sums["accepted"]
    return sorted(cities.values(), key=lambda entry: (-entry.total, entry.code))


@dataclass
class Totals:
    accepted: int
    last_year: int
    approved: int
    rejected: int
    zero_visit: int
    zero_visit_last_year: int

    @property
    def change_percent(self) -> float | None:
        return change_percent(self.accepted, self.last_year)

    @property
    def zero_visit_percent(self) -> float | None:
        return share_percent(self.zero_visit, self.accepted)

    @property
    def zero_visit_percent_last_year(self) -> float | None:
        return share_percent(self.zero_visit_last_year, self.last_year)


def totals(filters: Filters, issued: Breakdown | None = None) -> Totals:
    issued = issued or issuance_breakdown(filters)
    now = {name: sum(sums[name] for sums in issued.now.values()) for name in ISSUANCE_SUMS}
    return Totals(
        accepted=now["accepted"],
        last_year=sum(sums["accepted"] for sums in issued.last_year.values()),
        approved=now["approved"],
        rejected=now["rejected"],
        zero_visit=now["zero_visit"],
        zero_visit_last_year=sum(sums["zero_visit"] for sums in issued.last_year.values()),
    )


@dataclass
class Share:
    key: str
    label: str
    count: int
    percent: float | None
    amount: Decimal | None = None


def channel_shares(filters: Filters, issued: Breakdown | None = None) -> list[Share]:
    """Online vs window vs kiosk (and the other channels): items accepted by channel."""
    issued = issued or issuance_breakdown(filters)
    labels = channel_labels()
    counts: dict[str, int] = defaultdict(int)
    for (_code, _document, channel), sums in issued.now.items():
        counts[channel] += sums["accepted"]
    whole = sum(counts.values())
    return sorted(
        (
            Share(key, labels.get(key, key), count, share_percent(count, whole))
            for key, count in counts.items()
        ),
        key=lambda share: (-share.count, share.key),
    )


def payment_shares(filters: Filters) -> list[Share]:
    labels = payment_channel_labels()
    rows = list(
        filters.rollups(PaymentRollup)
        .values("channel")
        .annotate(orders=Sum("orders"), amount=Sum("amount"))
        .order_by()
    )
    whole = sum(row["orders"] for row in rows)
    return sorted(
        (
            Share(
                row["channel"],
                labels.get(row["channel"], row["channel"]),
                row["orders"],
                share_percent(row["orders"], whole),
                row["amount"],
            )
            for row in rows
        ),
        key=lambda share: (-share.count, share.key),
    )


@dataclass
class SlaFigures:
    due: int
    warned: int
    breached: int
    by_type: list[tuple[str, str, int, int, float | None]]  # code, label, due, breached, kept %
    until: dt.date | None

    @property
    def met(self) -> int:
        return self.due - self.breached

    @property
    def compliance_percent(self) -> float | None:
        return share_percent(self.met, self.due)


def sla_figures(filters: Filters, today: dt.date | None = None) -> SlaFigures:
    """Items due in the period (promised dates already past) and how many missed their date."""
    today = today or clock.today()
    end = min(filters.end, today - dt.timedelta(days=1))
    if end < filters.start:
        return SlaFigures(0, 0, 0, [], None)
    bounded = Filters(filters.start, end, filters.city_code, filters.point_ids, filters.granularity)
    labels = document_type_labels()
    rows = list(
        bounded.rollups(SlaRollup)
        .values("document_type")
        .annotate(due=Sum("due"), warned=Sum("warned"), breached=Sum("breached"))
        .order_by("document_type")
    )
    return SlaFigures(
        due=sum(row["due"] for row in rows),
        warned=sum(row["warned"] for row in rows),
        breached=sum(row["breached"] for row in rows),
        by_type=[
            (
                row["document_type"],
                labels.get(row["document_type"], row["document_type"]),
                row["due"],
                row["breached"],
                share_percent(row["due"] - row["breached"], row["due"]),
            )
            for row in rows
        ],
        until=end,
    )


@dataclass
class HallPattern:
    """Mean wait (minutes) and no-show share by weekday × hour, and each hall's figures."""

    hours: list[int]
    waits: list[list[float | None]]  # [weekday][hour index]
    no_shows: list[list[float | None]]
    halls: list[dict[str, Any]]
    mean_wait_minutes: float | None
    no_show_percent: float | None


HALL_SUMS = ("tickets", "served", "wait_seconds", "appointments", "appointment_no_shows")


def _minutes(wait_seconds: int, served: int) -> float | None:
    return round(wait_seconds / served / 60.0, 1) if served else None


def hall_pattern(filters: Filters) -> HallPattern:
    # Two small groupings rather than one by hall × weekday × hour: fewer rows leave the database.
    grid = {
        (weekday, hour): sums
        for (weekday, hour), sums in sum_rollups(filters, "halls", ("weekday", "hour"), HALL_SUMS).items()
    }
    by_hall = {
        point: sums
        for (point,), sums in sum_rollups(filters, "halls", ("service_point_id",), HALL_SUMS).items()
    }
    hours = sorted({hour for _weekday, hour in grid})
    waits: list[list[float | None]] = [[None] * len(hours) for _ in range(7)]
    no_shows: list[list[float | None]] = [[None] * len(hours) for _ in range(7)]
    for (weekday, hour), sums in grid.items():
        column = hours.index(hour)
        waits[weekday][column] = _minutes(sums["wait_seconds"], sums["served"])
        no_shows[weekday][column] = share_percent(sums["appointment_no_shows"], sums["appointments"])
    names = dict(ServicePoint.objects.filter(pk__in=list(by_hall)).values_list("id", "names"))
    halls = [
        {
            "id": point,
            "name": localized(names.get(point, {})),
            "tickets": sums["tickets"],
            "mean_wait_minutes": _minutes(sums["wait_seconds"], sums["served"]),
            "appointments": sums["appointments"],
            "no_show_percent": share_percent(sums["appointment_no_shows"], sums["appointments"]),
        }
        for point, sums in sorted(by_hall.items())
    ]
    total = {name: sum(sums[name] for sums in grid.values()) for name in HALL_SUMS}
    return HallPattern(
        hours=hours,
        waits=waits,
        no_shows=no_shows,
        halls=halls,
        mean_wait_minutes=_minutes(total["wait_seconds"], total["served"]),
        no_show_percent=share_percent(total["appointment_no_shows"], total["appointments"]),
    )


def figures_as_of(filters: Filters) -> dt.datetime | None:
    """When the most recent day of the period was last rolled up."""
    found = (
        RollupDay.objects.filter(day__gte=filters.start, day__lte=filters.end, computed_at__isnull=False)
        .order_by("-day")
        .values_list("computed_at", flat=True)
        .first()
    )
    return found


@dataclass
class Dashboard:
    filters: Filters
    totals: Totals
    trend: list[Period]
    cities: list[AreaFigures]
    sla: SlaFigures
    halls: HallPattern
    channels: list[Share]
    payments: list[Share]
    as_of: dt.datetime | None
    document_types: dict[str, str]


def dashboard(filters: Filters) -> Dashboard:
    issued = issuance_breakdown(filters)
    return Dashboard(
        filters=filters,
        totals=totals(filters, issued),
        trend=issuance_trend(filters),
        cities=issuance_by_city(filters, issued),
        sla=sla_figures(filters),
        halls=hall_pattern(filters),
        channels=channel_shares(filters, issued),
        payments=payment_shares(filters),
        as_of=figures_as_of(filters),
        document_types=document_type_labels(),
    )


# ---------------------------------------------------------------------------------------------
# Public figures (no login): the province's monthly issuance and mean waits


@dataclass(frozen=True)
class PublicMonth:
    month: dt.date
    accepted: int
    mean_wait_minutes: float | None


def public_figures(months: int = 12, today: dt.date | None = None) -> list[PublicMonth]:
    """The last `months` whole months of the province, oldest first (monthly rollups only)."""
    today = today or clock.today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    for _step in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    province = Filters(start, end, granularity="month")
    issued = sum_rollups(province, "issuance", ("period",), ("accepted",))
    waits = sum_rollups(province, "halls", ("period",), ("wait_seconds", "served"))
    result = []
    cursor = start
    while cursor <= end:
        wait = waits.get((cursor,), {})
        served = wait.get("served", 0)
        result.append(
            PublicMonth(
                month=cursor,
                accepted=issued.get((cursor,), {}).get("accepted", 0),
                mean_wait_minutes=round(wait["wait_seconds"] / served / 60.0, 1) if served else None,
            )
        )
        cursor = _next_period(cursor, True)
    return result


# ---------------------------------------------------------------------------------------------
# Exports: the rollup rows of the period, read in chunks (never all at once)

DATASETS = ("issuance", "sla", "halls", "payments")


def export_columns(dataset: str) -> list[str]:
    return {
        "issuance": [
            str(_("Day")),
            str(_("City")),
            str(_("Service point")),
            str(_("Document type")),
            str(_("Channel")),
            str(_("Accepted")),
            str(_("Approved")),
            str(_("Refused")),
            str(_("Zero-visit")),
        ],
        "sla": [
            str(_("Promised date")),
            str(_("City")),
            str(_("Service point")),
            str(_("Document type")),
            str(pgettext_lazy("items due", "Due")),
            str(_("Warned")),
            str(_("Breached")),
        ],
        "halls": [
            str(_("Day")),
            str(_("City")),
            str(_("Service point")),
            str(_("Hour")),
            str(_("Tickets")),
            str(_("Waits measured")),
            str(_("Mean wait (minutes)")),
            str(_("Tickets not answered")),
            str(pgettext_lazy("number of appointments", "Appointments")),
            str(_("Appointments not kept")),
        ],
        "payments": [
            str(_("Day")),
            str(_("City")),
            str(_("Service point")),
            str(_("Payment channel")),
            str(_("Orders paid")),
            str(_("Amount (CNY)")),
        ],
    }[dataset]


def export_rows(filters: Filters, dataset: str, chunk_size: int = 2000) -> Iterator[list[Any]]:
    """The dataset's rows for the period, ordered by day; a server-side cursor feeds the chunks."""
    cities = city_labels()
    points = {pk: code for pk, code in ServicePoint.objects.values_list("id", "code")}
    documents = document_type_labels()
    channels = channel_labels()
    if dataset == "issuance":
        for row in (
            filters.rollups(IssuanceRollup)
            .order_by("day", "city_code", "service_point_id", "document_type", "channel")
            .values_list(
                "day",
                "city_code",
                "service_point_id",
                "document_type",
                "channel",
                "accepted",
                "approved",
                "rejected",
                "zero_visit",
            )
            .iterator(chunk_size=chunk_size)
        ):
            day, city, point, document, channel, *counts = row
            yield [
                day,
                cities.get(city, city),
                points.get(point, ""),
                documents.get(document, document),
                channels.get(channel, channel),
                *counts,
            ]
    elif dataset == "sla":
        for row in (
            filters.rollups(SlaRollup)
            .order_by("day", "city_code", "service_point_id", "document_type")
            .values_list("day", "city_code", "service_point_id", "document_type", "due", "warned", "breached")
            .iterator(chunk_size=chunk_size)
        ):
            day, city, point, document, *counts = row
            yield [
                day,
                cities.get(city, city),
                points.get(point, ""),
                documents.get(document, document),
                *counts,
            ]
    elif dataset == "halls":
        for row in (
            filters.rollups(HallHourRollup)
            .order_by("day", "city_code", "service_point_id", "hour")
            .values_list(
                "day",
                "city_code",
                "service_point_id",
                "hour",
                "tickets",
                "served",
                "wait_seconds",
                "ticket_no_shows",
                "appointments",
                "appointment_no_shows",
            )
            .iterator(chunk_size=chunk_size)
        ):
            day, city, point, hour, tickets, served, wait, no_shows, due, missed = row
            mean = round(wait / served / 60.0, 1) if served else None
            yield [
                day,
                cities.get(city, city),
                points.get(point, ""),
                hour,
                tickets,
                served,
                mean,
                no_shows,
                due,
                missed,
            ]
    elif dataset == "payments":
        labels = payment_channel_labels()
        for row in (
            filters.rollups(PaymentRollup)
            .order_by("day", "city_code", "service_point_id", "channel")
            .values_list("day", "city_code", "service_point_id", "channel", "orders", "amount")
            .iterator(chunk_size=chunk_size)
        ):
            day, city, point, channel, orders, amount = row
            yield [
                day,
                cities.get(city, city),
                points.get(point, ""),
                labels.get(channel, channel),
                orders,
                amount,
            ]
    else:
        raise UnknownDataset(dataset=dataset)


class UnknownDataset(InvalidInput):
    code = "unknown_dataset"
    default_message = _("Choose issuance, sla, halls or payments.")


def record_export(
    user: Any, filters: Filters, fmt: str, datasets: list[str], request: HttpRequest | None
) -> None:
    """Exports leave the building: who took which figures is audited."""
    with transaction.atomic():
        record_event(
            "insight.exported",
            actor=user,
            object_type="insight.export",
            request=request,
            format=fmt,
            datasets=datasets,
            start=filters.start.isoformat(),
            end=filters.end.isoformat(),
            city=filters.city_code,
            scoped=filters.point_ids is not None,
        )


# --- The holiday calendar's horizon -----------------------------------------------------------


@dataclass(frozen=True)
class CalendarGap:
    """Years the working-day calendar cannot answer for yet, and what waits on them."""

    years: list[int]
    items_without_promise: int  # accepted, open, in the viewer's halls: the SLA watch cannot follow them


def calendar_gap(user: Any) -> CalendarGap | None:
    """What the dashboard warns about when a year soon needed has no holiday calendar; None if none."""
    years = years_missing_soon(clock.today())
    if not years:
        return None
    from exitentry.applications.models import FINAL_STATUSES, ApplicationItem

    items = ApplicationItem.objects.filter(accepted_on__isnull=False, promised_date__isnull=True).exclude(
        status__in=FINAL_STATUSES
    )
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        items = items.filter(application__service_point_id__in=scope)
    return CalendarGap(years=years, items_without_promise=items.count())
