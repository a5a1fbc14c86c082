"""Routing services: nearest-and-least-busy recommendations, and the capacity simulator.

**Recommendations** (`recommend`). For someone at (lat, lon) who needs `service` and sets off at
`at` (default now), every active hall that offers the service's counter skill and is open when
they would get there is scored

    score = travel minutes + predicted wait at arrival

- Travel minutes = great-circle km × road factor ÷ speed × 60 (`TravelModel`, data).
- Predicted wait = `simulation.predicted_wait_at_arrival`, the same projection the simulator's
  "recommended" policy uses, fed with live data: the people inside now (waiting tickets and
  people at counters) and the counters open (`live_load`, from the queueing app), appointment
  holders booked between now and the arrival (`appointments.booked_between`), and people shown
  this hall recently who are still on their way (`RecommendationIssued` rows, counted until their
  expected arrival plus a grace period). Then times the hall's learned correction factor.
- Ties: shorter travel, then the hall's code.

The first hall is recorded as issued to the caller (one live row per client and service, a new
one replacing the last), so the next person's prediction counts this one: without it everyone
would be sent to the same quiet hall until the first of them arrived.

**Simulator.** `run_simulation` is what the `exitentry simulate` command and the manager page
call. It changes no state (nothing is stored, nothing is audited); bad input raises
`InvalidInput` subclasses, which the API turns into a 422 and the command into exit code 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.appointments.services import booked_between
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import InvalidInput
from exitentry.routing.models import RecommendationIssued, TravelModel
from exitentry.routing.scenario import Scenario, ScenarioError, parse_scenario
from exitentry.routing.simulation import POLICIES, SimulationResult, predicted_wait_at_arrival, simulate
from exitentry.servicepoints import services as points
from exitentry.servicepoints.models import ServicePoint

logger = logging.getLogger(__name__)

MAX_SCENARIO_BYTES = 1_000_000


class UnknownPolicy(InvalidInput):
    code = "unknown_policy"
    default_message = _("Choose the policy nearest or recommended.")


class InvalidSeed(InvalidInput):
    code = "invalid_seed"
    default_message = _("The seed must be a whole number of at least 0.")


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """The JSON object in a scenario file, or `ScenarioError` saying why it cannot be read."""
    file_path = Path(path)
    try:
        if file_path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(
                _("%(field)s is larger than %(limit)s bytes."), "scenario", limit=MAX_SCENARIO_BYTES
            )
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ScenarioError(
            _("%(field)s: the file %(path)s could not be read (%(reason)s)."),
            "scenario",
            path=str(file_path),
            reason=reason,
        ) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            _("%(field)s is not valid JSON: %(reason)s at line %(line)s, column %(column)s."),
            "scenario",
            reason=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from error
    if not isinstance(data, dict):
        raise ScenarioError(_("%(field)s must be an object."), "scenario")
    return data


def run_simulation(scenario: Mapping[str, Any], policy: str, seed: int) -> SimulationResult:
    """Validate `scenario` (a scenario as loaded from JSON) and simulate it under `policy`."""
    if policy not in POLICIES:
        raise UnknownPolicy(policy=policy, choices=list(POLICIES))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        # random.Random treats -n like n, so negative seeds would quietly repeat positive ones.
        raise InvalidSeed(seed=seed)
    return simulate(parse_scenario(scenario), policy, seed)


# ---------------------------------------------------------------------------------------------
# Manager's page: example scenarios and both policies side by side

# The page runs both policies while the manager waits: bigger scenarios belong to the command.
PAGE_MAX_PEOPLE = 20_000


class ScenarioTooLargeForPage(InvalidInput):
    code = "scenario_too_large_for_page"
    default_message = _(
        "This scenario expects about %(count)s people; the page runs at most %(limit)s. "
        "Use the command exitentry simulate for larger ones."
    )

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(self.default_message % {"count": count, "limit": limit}, count=count, limit=limit)


@dataclass(frozen=True)
class ExampleScenario:
    file_name: str
    name: str
    description: str
    expected_people: int


def scenarios_dir() -> Path:
    """Where the example scenarios live (the repository's `scenarios/` unless configured)."""
    return Path(getattr(settings, "EXITENTRY_SCENARIOS_DIR", settings.BASE_DIR / "scenarios"))


def expected_people(scenario: Scenario) -> int:
    return round(sum(scenario.arrivals_per_hour) + sum(sum(hall.booked_per_hour) for hall in scenario.halls))


def example_scenarios() -> list[ExampleScenario]:
    """The valid example scenarios small enough for the page, by file name."""
    found: list[ExampleScenario] = []
    folder = scenarios_dir()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            scenario = parse_scenario(read_scenario_file(path))
        except ScenarioError:
            logger.warning("example scenario %s is not valid and is not offered", path.name)
            continue
        people = expected_people(scenario)
        if people <= PAGE_MAX_PEOPLE:
            found.append(ExampleScenario(path.name, scenario.name, scenario.description, people))
    return found


def read_example_scenario(file_name: str) -> dict[str, Any]:
    """The example scenario called `file_name` (one of `example_scenarios()`, nothing else)."""
    for example in example_scenarios():
        if example.file_name == file_name:
            return read_scenario_file(scenarios_dir() / example.file_name)
    raise ScenarioError(_("%(field)s is not one of the example scenarios."), "scenario")


@dataclass(frozen=True)
class PolicyComparison:
    scenario: Scenario
    seed: int
    results: dict[str, SimulationResult]  # by policy, in the order of POLICIES

    def chart_data(self) -> dict[str, Any]:
        """Per-hour mean wait of each policy, for the chart and its table.

        A run lasts as long as its last queue, so one policy may have more hours than another;
        the hours one run never reached are None (a gap, not a wait of 0).
        """
        longest = max(self.results.values(), key=lambda result: len(result.hours))
        return {
            "hours": [hour.starts_at for hour in longest.hours],
            "series": {
                policy: [
                    round(result.hours[index].mean_wait_minutes, 2) if index < len(result.hours) else None
                    for index in range(len(longest.hours))
                ]
                for policy, result in self.results.items()
            },
        }


def compare_policies(scenario_data: Mapping[str, Any], seed: int) -> PolicyComparison:
    """Run one scenario under every policy with the same seed (for the manager's page)."""
    scenario = parse_scenario(scenario_data)
    people = expected_people(scenario)
    if people > PAGE_MAX_PEOPLE:
        raise ScenarioTooLargeForPage(count=people, limit=PAGE_MAX_PEOPLE)
    results = {policy: run_simulation(scenario_data, policy, seed) for policy in POLICIES}
    return PolicyComparison(scenario=scenario, seed=seed, results=results)


# ---------------------------------------------------------------------------------------------
# Recommendations: nearest and least busy

EARLIEST_PAST_MINUTES = 5  # `at` a little in the past is "now" (clocks differ)
LATEST_DAYS_AHEAD = 7  # beyond a week live queues say nothing; book an appointment instead


class InvalidLocation(InvalidInput):
    code = "invalid_location"
    default_message = _("Give a latitude from -90 to 90 and a longitude from -180 to 180.")


class InvalidDepartureTime(InvalidInput):
    code = "invalid_time"
    default_message = _(
        "Give the time as an ISO 8601 date and time with its offset, e.g. 2026-09-21T10:00+08:00."
    )


class DepartureInPast(InvalidInput):
    code = "time_in_past"
    default_message = _("The time has already passed. Leave it out to mean now.")


class DepartureTooFar(InvalidInput):
    code = "time_too_far_ahead"
    default_message = _("Recommendations cover the next 7 days. For a later visit, book an appointment.")


def travel_model_for(day: dt.date | None = None) -> TravelModel:
    """The travel model in force on `day`; the model's documented defaults (unsaved) if none is."""
    day = day or clock.today()
    found = (
        TravelModel.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from", "-id")
        .first()
    )
    return found or TravelModel(effective_from=day)


def travel_minutes(distance_km: float, model: TravelModel) -> float:
    """Minutes to cover a straight-line distance: the part within the city radius at the city
    speed, the rest at the intercity speed (one city speed for a 300 km journey made it a day's)."""
    radius = float(model.city_radius_km)
    in_city, beyond = min(distance_km, radius), max(distance_km - radius, 0.0)
    hours = in_city / float(model.speed_kmh) + beyond / float(model.intercity_speed_kmh)
    return hours * float(model.road_factor) * 60.0


@dataclass(frozen=True)
class HallLoad:
    """One skill's live state in one hall."""

    waiting: int  # tickets waiting
    busy: int  # counters with someone at them
    counters_open: int
    counters_staffed: int  # active counters with the skill, open or not
    mean_service_minutes: float | None
    correction: float  # observed ÷ predicted waits, learned by the queueing app

    @property
    def counters(self) -> int:
        """Counters expected to serve: those open, or before anyone opens one, those the hall has."""
        return self.counters_open or self.counters_staffed


def live_load(point_ids: list[int], skill: str, now: dt.datetime) -> dict[int, HallLoad]:
    """Waiting, busy and open counters per hall for `skill`: the one source of live queue data."""
    from exitentry.queueing.services import forecast

    loads: dict[int, HallLoad] = {}
    staffed: dict[int, int] = dict.fromkeys(point_ids, 0)
    for point in ServicePoint.objects.filter(pk__in=point_ids).prefetch_related("counters"):
        staffed[point.pk] = len(points.counters_with_skill(point, skill))
    for point_id, per_skill in forecast(point_ids, now=now).items():
        found = per_skill.get(skill)
        if found is None:
            continue
        loads[point_id] = HallLoad(
            waiting=found.waiting,
            busy=found.busy,
            counters_open=found.counters_open,
            counters_staffed=staffed.get(point_id, 0),
            mean_service_minutes=found.mean_service_minutes,
            correction=found.correction,
        )
    return loads


@dataclass(frozen=True)
class Recommendation:
    point: ServicePoint
    distance_km: float
    travel_minutes: float
    arrival: dt.datetime
    predicted_wait_minutes: float | None  # None: no service time known for the skill there
    waiting: int
    booked_due: int  # appointment holders due before the arrival
    en_route: int  # people recommended earlier and due before the arrival
    counters: int
    opens_at: dt.datetime | None = None  # set when the hall opens after the arrival (wait counts it)

    @property
    def score(self) -> float | None:
        if self.predicted_wait_minutes is None:
            return None
        return self.travel_minutes + self.predicted_wait_minutes


def client_key_for(request: HttpRequest) -> str:
    """Who is asking, as a SHA-256: the account, the API token, the session, or address + browser."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        source = f"user:{user.pk}"
    elif request.headers.get("Authorization"):
        source = f"token:{request.headers['Authorization']}"
    elif getattr(request, "session", None) is not None and request.session.session_key:
        source = f"session:{request.session.session_key}"
    else:
        address = request.META.get("REMOTE_ADDR", "")
        source = f"address:{address}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha256(source.encode()).hexdigest()


def _check_departure(at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if at is None:
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidDepartureTime(field="at")
    if at < now - dt.timedelta(minutes=EARLIEST_PAST_MINUTES):
        raise DepartureInPast(field="at")
    if at > now + dt.timedelta(days=LATEST_DAYS_AHEAD):
        raise DepartureTooFar(field="at", days=LATEST_DAYS_AHEAD)
    return max(at, now)


def _serving_from(
    point: ServicePoint, arrival: dt.datetime, calendar: Any, *, wait_at_door: bool = True
) -> dt.datetime | None:
    """When `point` serves someone arriving at `arrival`: the start of the session they arrive in,
    or with `wait_at_door` of the next one that day (people come before opening, or over lunch);
    None when its last session that day is over or it is closed all day."""
    local = clock.to_local(arrival)
    hours = points.day_hours(
        point,
        local.date(),
        hours=list(point.hours.all()),
        closures=list(point.closures.all()),
        calendar=calendar,
    )
    if not hours.open:
        return None
    for start, end in hours.spans():
        if local < end and (wait_at_door or start <= local):
            return start
    return None


def _minutes(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 60.0


def recommend(
    *,
    lat: float,
    lon: float,
    service: str,
    at: dt.datetime | None = None,
    client_key: str | None = None,
    request: HttpRequest | None = None,
) -> list[Recommendation]:
    """Halls for `service` ranked by travel + predicted wait; the first is recorded for `client_key`.

    Only active halls with a counter for the service's skill that serve someone arriving then
    (open, or opening later that day) are listed. Without `client_key` nothing is recorded (a
    preview).
    """
    _check_location(lat, lon)
    bookable = points.resolve_service(service)
    now = clock.now()
    departure = _check_departure(at, now)
    lead = _minutes(departure, now)
    model = travel_model_for(clock.to_local(departure).date())
    grace = dt.timedelta(minutes=model.en_route_grace_minutes)

    calendar = points._CalendarCache()
    reachable: list[tuple[ServicePoint, float, float, dt.datetime, dt.datetime]] = []
    for point, distance, travel, arrival in _journeys(lat, lon, bookable.skill, departure, model):
        # Waiting at the door is for the day one sets off: a journey that runs past midnight
        # is no plan for the next morning (next_openings offers that day instead).
        same_day = clock.to_local(arrival).date() == clock.to_local(departure).date()
        opened = _serving_from(point, arrival, calendar, wait_at_door=same_day)
        if opened is not None:
            reachable.append((point, distance, travel, arrival, opened))
    if not reachable:
        return []

    ids = [point.pk for point, *_rest in reachable]
    loads = live_load(ids, bookable.skill, now)
    on_the_way = RecommendationIssued.objects.filter(
        service_point_id__in=ids, skill=bookable.skill, counted_until__gt=now
    )
    if client_key is not None:
        # The caller's own earlier recommendation is about to be replaced: it is not someone else.
        on_the_way = on_the_way.exclude(client_key=client_key, service_code=bookable.code)
    arrivals_by_point: dict[int, list[dt.datetime]] = {}
    for point_id, expected in on_the_way.values_list("service_point_id", "expected_arrival"):
        arrivals_by_point.setdefault(point_id, []).append(expected)

    ranked: list[Recommendation] = []
    for point, distance, travel, arrival, opened in reachable:
        load = loads.get(point.pk)
        arrive_in = lead + travel
        # Compared as datetimes: both sides are rounded to the microsecond the same way.
        en_route = [
            min(arrive_in, max(0.0, _minutes(moment, now)))
            for moment in arrivals_by_point.get(point.pk, [])
            if moment <= arrival
        ]
        booked = booked_between(point, now, arrival, bookable.skill)
        # Appointment holders come at their slot times; spread evenly until this person arrives.
        booked_times = [arrive_in * (index + 0.5) / booked for index in range(booked)]
        wait: float | None = None
        if load is not None and load.mean_service_minutes is not None and load.counters > 0:
            wait = load.correction * predicted_wait_at_arrival(
                inside=load.waiting + min(load.busy, load.counters),
                counters=load.counters,
                mean_service_minutes=load.mean_service_minutes,
                now=0.0,
                arrival=arrive_in,
                due=[*en_route, *booked_times],
                opens_at=max(0.0, _minutes(opened, now)),
            )
        ranked.append(
            Recommendation(
                point=point,
                distance_km=distance,
                travel_minutes=travel,
                arrival=arrival,
                predicted_wait_minutes=wait,
                waiting=load.waiting if load else 0,
                booked_due=booked,
                en_route=len(en_route),
                counters=load.counters if load else 0,
                opens_at=opened if opened > arrival else None,
            )
        )
    ranked.sort(
        key=lambda item: (
            item.score is None,
            item.score if item.score is not None else item.travel_minutes,
            item.travel_minutes,
            item.point.code,
        )
    )
    best = ranked[0]
    if client_key is not None and best.score is not None:
        issue_recommendation(
            best,
            client_key=client_key,
            service=bookable.code,
            skill=bookable.skill,
            grace=grace,
            request=request,
        )
    return ranked


def _check_location(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidLocation(field="lat" if not -90 <= lat <= 90 else "lon")


def _journeys(
    lat: float, lon: float, skill: str, departure: dt.datetime, model: TravelModel
) -> Iterator[tuple[ServicePoint, float, float, dt.datetime]]:
    """Each active hall with a counter for `skill`: its distance (km), travel minutes and arrival."""
    halls = (
        ServicePoint.objects.filter(is_active=True)
        .select_related("city")
        .prefetch_related("hours", "closures", "counters")
    )
    for point in halls:
        if not points.counters_with_skill(point, skill):
            continue
        distance = points.haversine_km(lat, lon, float(point.latitude), float(point.longitude))
        travel = travel_minutes(distance, model)
        yield point, distance, travel, departure + dt.timedelta(minutes=travel)


@dataclass(frozen=True)
class NextOpening:
    point: ServicePoint
    distance_km: float
    travel_minutes: float
    opens_at: dt.datetime


NEXT_OPENING_SEARCH_DAYS = 14  # longer than any run of public holidays (Spring Festival, National Day)


def next_openings(
    *, lat: float, lon: float, service: str, at: dt.datetime | None = None, limit: int = 3
) -> list[NextOpening]:
    """The `limit` nearest halls for `service`, each with when it next serves someone setting off
    at `at` (default now): what to offer when no hall serves them today."""
    _check_location(lat, lon)
    bookable = points.resolve_service(service)
    departure = _check_departure(at, clock.now())
    model = travel_model_for(clock.to_local(departure).date())
    calendar = points._CalendarCache()
    found: list[NextOpening] = []
    for point, distance, travel, arrival in _journeys(lat, lon, bookable.skill, departure, model):
        first_day = clock.to_local(arrival).date()
        for offset in range(NEXT_OPENING_SEARCH_DAYS + 1):
            day = first_day + dt.timedelta(days=offset)
            moment = arrival if offset == 0 else clock.local_datetime(day, dt.time(0, 0))
            opens = _serving_from(point, moment, calendar)
            if opens is not None:
                found.append(NextOpening(point, distance, travel, max(opens, arrival)))
                break
    found.sort(key=lambda item: (item.travel_minutes, item.point.code))
    return found[:limit]


def issue_recommendation(
    best: Recommendation,
    *,
    client_key: str,
    service: str,
    skill: str,
    grace: dt.timedelta,
    request: HttpRequest | None = None,
) -> None:
    """Record that `client_key` was sent to `best.point`, replacing their last one for `service`."""
    now = clock.now()
    row = RecommendationIssued(
        service_point=best.point,
        skill=skill,
        service_code=service,
        client_key=client_key,
        issued_at=now,
        expected_arrival=best.arrival,
        counted_until=best.arrival + grace,
        travel_minutes=round(best.travel_minutes, 2),
        predicted_wait_minutes=round(best.predicted_wait_minutes or 0.0, 2),
    )
    with transaction.atomic():
        # One statement (INSERT … ON CONFLICT DO UPDATE): two tabs of one person never make two rows.
        RecommendationIssued.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["client_key", "service_code"],
            update_fields=[
                "service_point",
                "skill",
                "issued_at",
                "expected_arrival",
                "counted_until",
                "travel_minutes",
                "predicted_wait_minutes",
            ],
        )
        user = getattr(request, "user", None)
        record_event(
            "routing.recommendation_issued",
            actor=user if user is not None and user.is_authenticated else "public",
            object_type="routing.recommendationissued",
            object_id=best.point.pk,
            request=request,
            service=service,
            service_point_id=best.point.pk,
            expected_arrival=best.arrival.isoformat(),
            travel_minutes=round(best.travel_minutes, 2),
            predicted_wait_minutes=round(best.predicted_wait_minutes or 0.0, 2),
        )


def expire_recommendations(now: dt.datetime | None = None) -> int:
    """Forget people who should have arrived (arrival + grace is past). Returns how many."""
    now = now or clock.now()
    with transaction.atomic():
        deleted, _rows = RecommendationIssued.objects.filter(counted_until__lte=now).delete()
        if deleted:
            record_event(
                "routing.recommendations_expired",
                actor="system",
                object_type="routing.recommendationissued",
                count=deleted,
            )
    return deleted


def save_travel_model(model: TravelModel, *, actor: Any, request: HttpRequest | None = None) -> TravelModel:
    """Create or change a travel model (from the admin), with an audit event."""
    with transaction.atomic():
        creating = model._state.adding or model.pk is None
        model.full_clean()
        model.save()
        record_event(
            "routing.travel_model_created" if creating else "routing.travel_model_changed",
            actor=actor,
            obj=model,
            request=request,
            after=_travel_model_snapshot(model),
        )
    return model


def delete_travel_model(model: TravelModel, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        before = _travel_model_snapshot(model)
        model_id = model.pk
        model.delete()
        record_event(
            "routing.travel_model_deleted",
            actor=actor,
            object_type="routing.travelmodel",
            object_id=str(model_id),
            before=before,
            request=request,
        )


def _travel_model_snapshot(model: TravelModel) -> dict[str, Any]:
    return {
        "road_factor": str(Decimal(model.road_factor)),
        "speed_kmh": str(Decimal(model.speed_kmh)),
        "city_radius_km": str(Decimal(model.city_radius_km)),
        "intercity_speed_kmh": str(Decimal(model.intercity_speed_kmh)),
        "en_route_grace_minutes": model.en_route_grace_minutes,
        "effective_from": model.effective_from.isoformat(),
        "effective_to": model.effective_to.isoformat() if model.effective_to else None,
        "note": model.note,
    }
