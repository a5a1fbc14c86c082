"""Service points: when they are open, which skills they offer, slot generation, nearest-first lists.

Opening rules (see models.py): a point whose `calendar_rule` is `working_days` is closed on public
holidays and opens on official make-up working days with the hours of its `makeup_day_weekday`;
otherwise each weekday's sessions apply. A `Closure` closes any point for its dates. When the
official calendar has no data for a year, a working-days point's opening that year is *unknown*
(None), never guessed, and slot generation skips it with a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from exitentry.audit.services import hold_chain_head, record_event
from exitentry.catalog.models import Channel, Service
from exitentry.core import clock, refcache
from exitentry.core.errors import DomainError, InvalidInput, NotFound
from exitentry.servicepoints.models import (
    CalendarRule,
    CapacityPlan,
    Closure,
    Counter,
    OpeningHours,
    ServicePoint,
    ServiceSkillRule,
    Skill,
    Slot,
    Weekday,
)
from exitentry.workdays.services import CalendarUnknownYear, DayInfo, describe_day

logger = logging.getLogger(__name__)

# The widest run of days one generation call may cover.
MAX_GENERATION_DAYS = 366
# Primary keys are 64-bit; anything larger cannot exist and must not reach the database.
MAX_ID = 2**63 - 1
SERVICE_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,80}")
EARTH_RADIUS_KM = 6371.0088


class UnknownService(DomainError):
    status = 422
    code = "unknown_service"
    default_message = _("There is no such service.")


class ServiceNotBookable(DomainError):
    status = 422
    code = "service_not_bookable"
    default_message = _("This service cannot be booked at a service point.")


class ServicePointNotFound(NotFound):
    code = "service_point_not_found"
    default_message = _("There is no such service point.")


class DateOutOfRange(InvalidInput):
    code = "date_out_of_range"
    default_message = _("Choose a date within a year from today.")


class LocationIncomplete(InvalidInput):
    code = "location_incomplete"
    default_message = _("Give both latitude and longitude, or neither.")


# ---------------------------------------------------------------------------------------------
# Services of the catalog and the skill that serves them


@dataclass(frozen=True)
class BookableService:
    code: str
    name: str
    skill: str


def skill_for_service(code: str, rules: Iterable[ServiceSkillRule] | None = None) -> str | None:
    """The skill of the longest `ServiceSkillRule` prefix matching `code`, or None."""
    candidates = rules if rules is not None else ServiceSkillRule.objects.all()
    best: ServiceSkillRule | None = None
    for rule in candidates:
        if code.startswith(rule.service_prefix) and (
            best is None or len(rule.service_prefix) > len(best.service_prefix)
        ):
            best = rule
    return best.skill if best else None


def resolve_service(code: str) -> BookableService:
    """The active catalog service `code`, done at a hall window, and the counter skill serving it."""
    code = (code or "").strip()
    return refcache.remember(("bookable_service", code, get_language()), lambda: _resolve_service(code))


def _resolve_service(code: str) -> BookableService:
    service = (
        Service.objects.filter(code=code, is_active=True).first() if SERVICE_CODE.fullmatch(code) else None
    )
    if service is None:
        raise UnknownService(service=code)
    skill = skill_for_service(code)
    if skill is None or Channel.WINDOW not in (service.channels or []):
        raise ServiceNotBookable(service=code)
    return BookableService(code=code, name=service.name, skill=skill)


def bookable_services() -> list[BookableService]:
    """Active catalog services done at a hall window and served by a counter skill."""
    rules = list(ServiceSkillRule.objects.all())
    found = []
    for service in Service.objects.filter(is_active=True):
        skill = skill_for_service(service.code, rules)
        if skill is not None and Channel.WINDOW in (service.channels or []):
            found.append(BookableService(code=service.code, name=service.name, skill=skill))
    return found


def service_names(codes: Iterable[str]) -> dict[str, str]:
    """Display names of catalog services by code (the code itself when the catalog lacks it)."""
    codes = set(codes)
    names = {service.code: service.name for service in Service.objects.filter(code__in=codes)}
    return {code: names.get(code, code) for code in codes}


def skills_offered(point: ServicePoint) -> list[str]:
    """Skills of the point's active counters, in the order of `Skill`."""
    offered: set[str] = set()
    for counter in point.counters.all():
        if counter.is_active:
            offered.update(counter.skills or [])
    return [skill for skill in Skill.values if skill in offered]


# ---------------------------------------------------------------------------------------------
# Opening hours


class _CalendarCache:
    """describe_day once per date (None when the year has no calendar data)."""

    def __init__(self) -> None:
        self._days: dict[dt.date, DayInfo | None] = {}

    def describe(self, day: dt.date) -> DayInfo | None:
        if day not in self._days:
            try:
                self._days[day] = describe_day(day)
            except CalendarUnknownYear:
                self._days[day] = None
        return self._days[day]


@dataclass
class DayHours:
    """A point's hours on one date: open True/False, or None when the calendar is unknown."""

    date: dt.date
    open: bool | None
    sessions: list[OpeningHours] = field(default_factory=list)
    reason: str = ""
    makeup_workday: bool = False
    weekday_used: int | None = None

    def spans(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """Aware local start and end of each session."""
        result = []
        for session in self.sessions:
            start, end = session.span_on(self.date)
            result.append((start.replace(tzinfo=clock.LOCAL_ZONE), end.replace(tzinfo=clock.LOCAL_ZONE)))
        return result


def day_hours(
    point: ServicePoint,
    day: dt.date,
    *,
    hours: Sequence[OpeningHours] | None = None,
    closures: Sequence[Closure] | None = None,
    calendar: _CalendarCache | None = None,
) -> DayHours:
    if hours is None and closures is None and calendar is None:
        key = ("day_hours", point.pk, point.is_active, point.calendar_rule, day, get_language())
        return refcache.remember(
            key, lambda: _day_hours(point, day, hours=hours, closures=closures, calendar=calendar)
        )
    return _day_hours(point, day, hours=hours, closures=closures, calendar=calendar)


def _day_hours(
    point: ServicePoint,
    day: dt.date,
    *,
    hours: Sequence[OpeningHours] | None,
    closures: Sequence[Closure] | None,
    calendar: _CalendarCache | None,
) -> DayHours:
    hours = list(point.hours.all()) if hours is None else hours
    closures = list(point.closures.all()) if closures is None else closures
    calendar = calendar or _CalendarCache()
    if not point.is_active:
        return DayHours(date=day, open=False, reason=gettext("No longer in service"))
    for closure in closures:
        if closure.starts_on <= day <= closure.ends_on:
            return DayHours(date=day, open=False, reason=closure.reason or gettext("Closed"))
    weekday = day.weekday()
    makeup = False
    if point.calendar_rule == CalendarRule.WORKING_DAYS:
        info = calendar.describe(day)
        if info is None:
            return DayHours(date=day, open=None, reason=gettext("The holiday calendar is not yet known"))
        if info.holiday is not None or (weekday < 5 and not info.is_working_day):
            reason = gettext("Public holiday: %(name)s") % {"name": info.holiday} if info.holiday else ""
            return DayHours(date=day, open=False, reason=reason or gettext("Public holiday"))
        if info.is_makeup_workday:
            makeup = True
            weekday = point.makeup_day_weekday
    sessions = sorted(
        (h for h in hours if h.weekday == weekday and h.applies_on(day)), key=lambda h: (h.opens, h.closes)
    )
    return DayHours(
        date=day,
        open=bool(sessions),
        sessions=sessions,
        reason="" if sessions else gettext("Closed"),
        makeup_workday=makeup,
        weekday_used=weekday,
    )


def is_day_open(point: ServicePoint, day: dt.date) -> bool | None:
    return day_hours(point, day).open


def open_now(point: ServicePoint, at: dt.datetime | None = None) -> bool | None:
    """Whether `point` is open at `at` (default now), in Asia/Shanghai; None when unknown."""
    local = clock.to_local(at or clock.now())
    hours = day_hours(point, local.date())
    if hours.open is None:
        return None
    return any(start <= local < end for start, end in hours.spans())


# ---------------------------------------------------------------------------------------------
# Slot generation


@dataclass
class GenerationSummary:
    created: int = 0
    updated: int = 0
    closed: int = 0
    skipped_years: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "skipped_years": self.skipped_years,
        }


def _plans_for_session(
    plans: Sequence[CapacityPlan], session: OpeningHours, day: dt.date, weekday: int
) -> dict[str, CapacityPlan]:
    """One plan per skill: a plan for the weekday beats an every-day plan; the latest start wins."""
    chosen: dict[str, CapacityPlan] = {}
    for plan in plans:
        if plan.session_kind != session.kind or not plan.in_force_on(day):
            continue
        if plan.weekday is not None and plan.weekday != weekday:
            continue
        current = chosen.get(plan.skill)
        if current is None or (plan.weekday is not None, plan.effective_from) > (
            current.weekday is not None,
            current.effective_from,
        ):
            chosen[plan.skill] = plan
    return chosen


def desired_slots(
    point: ServicePoint,
    hours: DayHours,
    plans: Sequence[CapacityPlan],
) -> dict[tuple[str, dt.datetime], tuple[dt.datetime, int]]:
    """(skill, start) → (end, capacity) for one point on one open day."""
    wanted: dict[tuple[str, dt.datetime], tuple[dt.datetime, int]] = {}
    if not hours.open or hours.weekday_used is None:
        return wanted
    for session, (start, end) in zip(hours.sessions, hours.spans(), strict=True):
        for skill, plan in _plans_for_session(plans, session, hours.date, hours.weekday_used).items():
            length = dt.timedelta(minutes=plan.slot_minutes)
            moment = start
            while moment + length <= end:
                wanted.setdefault((skill, moment), (moment + length, plan.capacity_per_slot))
                moment += length
    return wanted


def _local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return clock.local_datetime(day, dt.time(0, 0)), clock.local_datetime(
        day + dt.timedelta(days=1), dt.time(0, 0)
    )


def generate_slots(start_date: dt.date, days: int) -> GenerationSummary:
    """Create, resize or close slots for `days` days from `start_date` so they match the plans.

    Idempotent: a second run with the same data changes nothing. Only future slots change; a
    capacity never drops below what is already booked (closing a slot sets capacity = booked).
    A day whose year has no holiday calendar is skipped (with a warning) for halls that follow it.
    """
    if days < 1 or days > MAX_GENERATION_DAYS:
        raise InvalidInput(
            _("The number of days must be between 1 and %(max)s.") % {"max": MAX_GENERATION_DAYS},
            field="days",
        )
    summary = GenerationSummary()
    calendar = _CalendarCache()
    points = list(ServicePoint.objects.prefetch_related("hours", "closures", "capacity_plans").order_by("pk"))
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        _generate_day(day, points, calendar, summary)
    for year in summary.skipped_years:
        logger.warning("slot generation skipped %s: no holiday calendar data for that year", year)
    return summary


def _generate_day(
    day: dt.date, points: Sequence[ServicePoint], calendar: _CalendarCache, summary: GenerationSummary
) -> None:
    now = clock.now()
    window_start, window_end = _local_day_bounds(day)
    wanted: dict[tuple[int, str, dt.datetime], tuple[dt.datetime, int]] = {}
    known_points: set[int] = set()
    for point in points:
        hours = day_hours(
            point, day, hours=list(point.hours.all()), closures=list(point.closures.all()), calendar=calendar
        )
        if hours.open is None:
            if day.year not in summary.skipped_years:
                summary.skipped_years.append(day.year)
            continue
        known_points.add(point.pk)
        for (skill, start), value in desired_slots(point, hours, list(point.capacity_plans.all())).items():
            wanted[(point.pk, skill, start)] = value

    existing = Slot.objects.filter(
        start__gte=window_start, start__lt=window_end, service_point_id__in=known_points
    ).values_list("id", "service_point_id", "skill", "start", "end", "capacity", "booked")
    to_resize: dict[int, list[int]] = defaultdict(list)
    to_move: list[tuple[int, dt.datetime]] = []
    to_close: list[int] = []
    seen: set[tuple[int, str, dt.datetime]] = set()
    for slot_id, point_id, skill, start, end, capacity, booked in existing:
        key = (point_id, skill, start)
        seen.add(key)
        if start <= now:
            continue
        if key in wanted:
            new_end, new_capacity = wanted[key]
            if capacity != max(new_capacity, booked):
                to_resize[new_capacity].append(slot_id)
            if end != new_end:
                to_move.append((slot_id, new_end))
        elif capacity > booked:
            to_close.append(slot_id)
    to_create = [
        Slot(service_point_id=point_id, skill=skill, start=start, end=end, capacity=capacity)
        for (point_id, skill, start), (end, capacity) in wanted.items()
        if (point_id, skill, start) not in seen and start > now
    ]
    if not (to_create or to_resize or to_move or to_close):
        return
    with transaction.atomic():
        # The event comes after the slot writes; its chain head is taken before them, in the
        # order a booking takes them (head, then slot), so the two never deadlock.
        hold_chain_head()
        created = len(Slot.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=500))
        updated = 0
        for capacity, ids in to_resize.items():
            updated += Slot.objects.filter(pk__in=ids, start__gt=now).update(
                capacity=Greatest(Value(capacity), F("booked"))
            )
        for slot_id, new_end in to_move:
            Slot.objects.filter(pk=slot_id, start__gt=now).update(end=new_end)
        closed = Slot.objects.filter(pk__in=to_close, start__gt=now).update(capacity=F("booked"))
        record_event(
            "servicepoints.slots_generated",
            actor="system",
            object_type="servicepoints.slot",
            object_id=day.isoformat(),
            created=created,
            resized=updated,
            moved=len(to_move),
            closed=closed,
        )
    summary.created += created
    summary.updated += updated + len(to_move)
    summary.closed += closed


def slots_on(point: ServicePoint, day: dt.date, skill: str | None = None) -> list[Slot]:
    """The slots starting on local date `day` (within a year of today either way)."""
    if abs((day - clock.today()).days) > MAX_GENERATION_DAYS:
        raise DateOutOfRange(date=day.isoformat())
    window_start, window_end = _local_day_bounds(day)
    slots = Slot.objects.filter(service_point=point, start__gte=window_start, start__lt=window_end)
    if skill is not None:
        slots = slots.filter(skill=skill)
    return list(slots.order_by("start", "skill"))


def bookable_now(slot: Slot, *, now: dt.datetime | None = None, hours: DayHours | None = None) -> bool:
    """Whether the slot is in the future and its day is open (capacity aside)."""
    now = now or clock.now()
    if slot.start <= now:
        return False
    hours = hours or day_hours(slot.service_point, clock.to_local(slot.start).date())
    return bool(hours.open)


def availability_by_day(
    point: ServicePoint, skill: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, int]]:
    """(date, free places) for each open date in [first, last] that has a future free place."""
    now = clock.now()
    start, _end = _local_day_bounds(first)
    _start, end = _local_day_bounds(last)
    free: dict[dt.date, int] = defaultdict(int)
    for slot_start, capacity, booked in Slot.objects.filter(
        service_point=point, skill=skill, start__gte=start, start__lt=end, start__gt=now
    ).values_list("start", "capacity", "booked"):
        if capacity > booked:
            free[clock.to_local(slot_start).date()] += capacity - booked
    calendar = _CalendarCache()
    hours = list(point.hours.all())
    closures = list(point.closures.all())
    result = []
    for day in sorted(free):
        if day_hours(point, day, hours=hours, closures=closures, calendar=calendar).open:
            result.append((day, free[day]))
    return result


# ---------------------------------------------------------------------------------------------
# Lists and distances


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


QueueStatus = tuple[int | None, int | None]  # (people waiting, predicted wait in minutes)
QueueSource = Callable[[list[int], str | None], dict[int, QueueStatus]]  # (point ids, skill or None)
_queue_sources: list[QueueSource] = []


def register_queue_source(source: QueueSource) -> None:
    """The queueing app registers how many people wait where (from its AppConfig.ready)."""
    if source not in _queue_sources:
        _queue_sources.append(source)


def queue_status(point_ids: list[int], skill: str | None = None) -> dict[int, QueueStatus]:
    """Live waiting counts (for one skill when given); empty until a queueing source is registered."""
    status: dict[int, QueueStatus] = {}
    for source in _queue_sources:
        status.update(source(point_ids, skill))
    return status


@dataclass
class PointListing:
    point: ServicePoint
    distance_km: float | None
    open_now: bool | None
    today: DayHours
    waiting: int | None
    predicted_wait_minutes: int | None


def list_service_points(
    *,
    lat: float | None = None,
    lon: float | None = None,
    service: str | None = None,
    city_code: str | None = None,
    at: dt.datetime | None = None,
) -> list[PointListing]:
    """Active points, nearest first when a location is given, offering `service` when given."""
    if (lat is None) != (lon is None):
        raise LocationIncomplete(field="lat" if lat is None else "lon")
    skill = resolve_service(service).skill if service else None
    points = (
        ServicePoint.objects.filter(is_active=True)
        .select_related("city")
        .prefetch_related("hours", "closures", "counters")
    )
    if city_code:
        points = points.filter(city__code=city_code)
    moment = at or clock.now()
    local = clock.to_local(moment)
    calendar = _CalendarCache()
    listings: list[PointListing] = []
    candidates = [p for p in points if skill is None or skill in skills_offered(p)]
    waits = queue_status([p.pk for p in candidates], skill)
    for point in candidates:
        today = day_hours(point, local.date(), calendar=calendar)
        is_open = None if today.open is None else any(s <= local < e for s, e in today.spans())
        distance = (
            round(haversine_km(lat, lon, float(point.latitude), float(point.longitude)), 2)
            if lat is not None and lon is not None
            else None
        )
        waiting, predicted = waits.get(point.pk, (None, None))
        listings.append(
            PointListing(
                point=point,
                distance_km=distance,
                open_now=is_open,
                today=today,
                waiting=waiting,
                predicted_wait_minutes=predicted,
            )
        )
    if lat is not None:
        listings.sort(key=lambda item: (item.distance_km or 0.0, item.point.code))
    else:
        listings.sort(key=lambda item: (item.point.city.code, item.point.code))
    return listings


def get_service_point(point_id: int, *, active_only: bool = True) -> ServicePoint:
    points = ServicePoint.objects.select_related("city").prefetch_related("hours", "closures", "counters")
    if active_only:
        points = points.filter(is_active=True)
    point = points.filter(pk=point_id).first() if 1 <= point_id <= MAX_ID else None
    if point is None:
        raise ServicePointNotFound(id=point_id)
    return point


@dataclass(frozen=True)
class WeekdayHours:
    weekday: int
    label: str
    sessions: list[OpeningHours]


def weekly_hours(point: ServicePoint, today: dt.date | None = None) -> list[WeekdayHours]:
    """Sessions per weekday that are in force now or later (seasonal ones with their dates)."""
    today = today or clock.today()
    current = [h for h in point.hours.all() if h.valid_to is None or h.valid_to >= today]
    return [
        WeekdayHours(
            weekday=value,
            label=str(label),
            sessions=sorted((h for h in current if h.weekday == value), key=lambda h: (h.opens, h.closes)),
        )
        for value, label in Weekday.choices
    ]


def upcoming_closures(point: ServicePoint, today: dt.date | None = None) -> list[Closure]:
    today = today or clock.today()
    return sorted((c for c in point.closures.all() if c.ends_on >= today), key=lambda c: c.starts_on)


# ---------------------------------------------------------------------------------------------
# Changes from the admin: audited saves and deletes


def _snapshot(obj: models.Model) -> dict[str, Any]:
    data = {field.attname: field.value_from_object(obj) for field in obj._meta.concrete_fields}
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def _schedule_regeneration(obj: models.Model) -> None:
    if isinstance(obj, ServicePoint | OpeningHours | Closure | CapacityPlan):
        from exitentry.servicepoints.tasks import generate_slots_for_next_30_days

        transaction.on_commit(generate_slots_for_next_30_days.enqueue)


def save_network_record(obj: models.Model, *, actor: Any, request: HttpRequest | None = None) -> models.Model:
    """Save a service point, its hours, closures, counters, plans or skill rules, with an audit event.

    A change to hours, closures or plans regenerates the next 30 days of slots after commit.
    """
    with transaction.atomic():
        creating = obj._state.adding or obj.pk is None
        before = None
        if not creating:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = _snapshot(previous) if previous is not None else None
        obj.save()
        record_event(
            f"servicepoints.{obj._meta.model_name}_{'created' if creating else 'changed'}",
            actor=actor,
            obj=obj,
            before=before,
            after=_snapshot(obj),
            request=request,
        )
        _schedule_regeneration(obj)
    return obj


def delete_network_record(obj: models.Model, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        before = _snapshot(obj)
        object_id = obj.pk
        label = obj._meta.label_lower
        obj.delete()
        record_event(
            f"servicepoints.{obj._meta.model_name}_deleted",
            actor=actor,
            object_type=label,
            object_id=str(object_id),
            before=before,
            request=request,
        )
        _schedule_regeneration(obj)


def counters_with_skill(point: ServicePoint, skill: str) -> list[Counter]:
    """Active counters of `point` that can serve `skill` (for routing tickets)."""
    return [c for c in point.counters.all() if c.is_active and c.has_skill(skill)]


def bookable_points(skill: str | None = None) -> list[ServicePoint]:
    """Active points taking appointments (they have a capacity plan), for `skill` when given."""
    plans = CapacityPlan.objects.filter(service_point__is_active=True)
    if skill is not None:
        plans = plans.filter(skill=skill)
    ids = plans.values("service_point_id")
    return list(ServicePoint.objects.filter(pk__in=ids).select_related("city").order_by("city__code", "code"))
