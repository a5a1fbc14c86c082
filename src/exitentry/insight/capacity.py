"""Capacity view: a typical working day of a chosen week, built from data and run in the simulator.

`week_scenario(filters_like, monday)` turns the network's data into a scenario in the format of
docs/scenarios.md, and `run_week(...)` hands it to `routing.services.compare_policies` (the same
function as the /network/simulator/ page), so both policies run on the same people:

- halls: the active halls in scope (and area) open on working days, with their weekday hours
  (earliest opening to latest closing of the regular sessions), active counters and the default
  service time of passports and permits (queueing `SkillProfile`), lognormal with cv 0.5;
- booked per hour: places booked in the week's slots (Monday to Friday), per hall and local hour,
  averaged over the days that had slots, in the hours the hall is open the whole hour;
- walk-ins per hour: tickets without an appointment in the four weeks before, same weekdays, from
  the hall-hour rollups, averaged over the twenty working days;
- origins: one per city, at the city's centre, weighted by its halls' walk-ins; travel at the
  speed of the travel model in force (routing `TravelModel`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import ExtractHour
from django.utils.translation import gettext_lazy as _

from exitentry.core import clock
from exitentry.core.errors import InvalidInput
from exitentry.core.i18n import localized
from exitentry.insight.models import HallHourRollup
from exitentry.queueing.models import SkillProfile
from exitentry.routing import services as routing
from exitentry.servicepoints.models import (
    Counter,
    OpeningHours,
    ServicePoint,
    ServicePointKind,
    SessionKind,
    Skill,
    Slot,
)

HISTORY_WEEKS = 4
SERVICE_CV = 0.5


class NoHallsToSimulate(InvalidInput):
    code = "no_halls_to_simulate"
    default_message = _("No hall in this area is open on working days: there is nothing to simulate.")


@dataclass(frozen=True)
class WeekScenario:
    monday: dt.date
    data: dict[str, Any]
    booked_total: float
    walk_ins_total: float


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _minutes(moment: dt.time) -> int:
    return 24 * 60 if moment == dt.time(0, 0) else moment.hour * 60 + moment.minute


def week_scenario(point_ids: frozenset[int] | None, city_code: str, monday: dt.date) -> WeekScenario:
    monday = monday_of(monday)
    points = ServicePoint.objects.filter(
        is_active=True, kind__in=(ServicePointKind.HALL, ServicePointKind.FOREIGNERS_HALL)
    ).select_related("city")
    if point_ids is not None:
        points = points.filter(pk__in=sorted(point_ids))
    if city_code:
        points = points.filter(city__code=city_code)
    hours: dict[int, tuple[int, int]] = {}
    for session in OpeningHours.objects.filter(
        service_point__in=points, weekday__lte=4, kind=SessionKind.REGULAR
    ).values("service_point_id", "opens", "closes"):
        opens, closes = _minutes(session["opens"]), _minutes(session["closes"])
        known = hours.get(session["service_point_id"])
        hours[session["service_point_id"]] = (
            (min(known[0], opens), max(known[1], closes)) if known else (opens, closes)
        )
    halls = [point for point in points.order_by("code") if point.pk in hours]
    if not halls:
        raise NoHallsToSimulate(city=city_code)
    day_start = min(hours[point.pk][0] for point in halls) // 60 * 60
    day_end = max(hours[point.pk][1] for point in halls)
    span_hours = max(1, math.ceil((day_end - day_start) / 60))

    # Bookings in the chosen week, per hall and local hour, averaged over days with slots.
    week_start = clock.local_datetime(monday, dt.time(0))
    week_end = clock.local_datetime(monday + dt.timedelta(days=5), dt.time(0))
    zone = week_start.tzinfo
    slots = Slot.objects.filter(service_point__in=halls, start__gte=week_start, start__lt=week_end)
    days_with_slots = {
        point: count
        for point, count in slots.values_list("service_point_id")
        .annotate(days=Count("start__date", distinct=True))
        .values_list("service_point_id", "days")
    }
    booked: dict[int, list[float]] = defaultdict(lambda: [0.0] * span_hours)
    for slot_hour in (
        slots.annotate(hour=ExtractHour("start", tzinfo=zone))
        .values("service_point_id", "hour")
        .annotate(places=Sum("booked"))
        .order_by()
    ):
        index = slot_hour["hour"] - day_start // 60
        if 0 <= index < span_hours:
            booked[slot_hour["service_point_id"]][index] += slot_hour["places"] / max(
                1, days_with_slots.get(slot_hour["service_point_id"], 1)
            )

    # Walk-ins in the weeks before: tickets that were not appointments, same weekdays.
    history = HallHourRollup.objects.filter(
        service_point__in=halls,
        day__gte=monday - dt.timedelta(weeks=HISTORY_WEEKS),
        day__lt=monday,
        weekday__lte=4,
    )
    history_days = 5 * HISTORY_WEEKS  # working days in the window, whether or not anyone came
    arrivals = [0.0] * span_hours
    walk_ins_by_city: dict[str, float] = defaultdict(float)
    for past in history.values("hour", "service_point__city__code").annotate(
        tickets=Sum("tickets"), appointments=Sum("appointments")
    ):
        walk_ins = max(0, past["tickets"] - past["appointments"]) / history_days
        index = past["hour"] - day_start // 60
        if 0 <= index < span_hours:
            arrivals[index] += walk_ins
        walk_ins_by_city[past["service_point__city__code"]] += walk_ins

    counters = dict(
        Counter.objects.filter(service_point__in=halls, is_active=True)
        .values_list("service_point_id")
        .annotate(n=Count("id"))
        .values_list("service_point_id", "n")
    )
    profile = SkillProfile.objects.filter(skill=Skill.CITIZENS_DOCUMENTS).first()
    mean_minutes = float(profile.default_service_minutes) if profile else 10.0
    travel = routing.travel_model_for(monday)
    speed = float(travel.speed_kmh) / float(travel.road_factor)

    scenario_halls = []
    booked_total = 0.0
    for point in halls:
        opens, closes = hours[point.pk]
        open_from = opens - day_start
        open_until = min(closes - day_start, span_hours * 60)
        per_hour = []
        for index, value in enumerate(booked.get(point.pk, [0.0] * span_hours)):
            whole_hour_open = open_from <= index * 60 and (index + 1) * 60 <= open_until
            per_hour.append(round(value) if whole_hour_open else 0)
        booked_total += sum(per_hour)
        scenario_halls.append(
            {
                "id": point.code,
                "name": point.name,
                "location": {"lat": float(point.latitude), "lon": float(point.longitude)},
                "counters": max(1, counters.get(point.pk, 0)),
                "service_time": {"distribution": "lognormal", "mean_minutes": mean_minutes, "cv": SERVICE_CV},
                "open_from_minute": open_from,
                "open_until_minute": open_until,
                "booked_per_hour": per_hour,
            }
        )
    cities = {point.city.code: point.city for point in halls}
    origins = []
    for code, city in sorted(cities.items()):
        first = next(point for point in halls if point.city.code == code)
        origins.append(
            {
                "id": code,
                "name": localized(city.names) or code,
                "location": {
                    "lat": float(city.latitude if city.latitude is not None else first.latitude),
                    "lon": float(city.longitude if city.longitude is not None else first.longitude),
                },
                "share": walk_ins_by_city.get(code, 0.0) + 1.0,
            }
        )
    data = {
        "name": str(_("Working day of the week of %(monday)s") % {"monday": monday.isoformat()}),
        "description": str(_("Built from bookings of that week and walk-ins of the four weeks before.")),
        "start_time": f"{day_start // 60:02d}:{day_start % 60:02d}",
        "arrivals_per_hour": [round(value, 2) for value in arrivals],
        "travel": {"speed_kmh": round(speed, 2)},
        "halls": scenario_halls,
        "origins": origins,
    }
    return WeekScenario(monday=monday, data=data, booked_total=booked_total, walk_ins_total=sum(arrivals))


def run_week(
    point_ids: frozenset[int] | None, city_code: str, monday: dt.date, seed: int
) -> tuple[WeekScenario, routing.PolicyComparison]:
    scenario = week_scenario(point_ids, city_code, monday)
    return scenario, routing.compare_policies(scenario.data, seed)
