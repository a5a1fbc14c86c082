"""Scenario files for the capacity simulator: parsing and validation.

A scenario is a JSON object (format and units in `docs/scenarios.md`). `parse_scenario` turns it
into frozen dataclasses or raises `ScenarioError` naming the offending field with its path
(`halls[1].service_time.mean_minutes`), so a manager can fix the file without reading code.
Unknown fields are errors too: a misspelt `counter` must not silently become the default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from exitentry.core.errors import InvalidInput

# A run is bounded so that a scenario file (or a form on the manager page) cannot ask for hours
# of computing: about a million people is a few seconds per policy.
MAX_EXPECTED_PEOPLE = 1_000_000
MAX_HOURS = 100_000
DISTRIBUTIONS = ("exponential", "lognormal", "deterministic")
DEFAULT_LOGNORMAL_CV = 0.5
EARTH_RADIUS_KM = 6371.0088

LocationKind = Literal["xy", "latlon"]
_STANDARD_NORMAL = NormalDist()
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _format(template: str | Promise, params: Mapping[str, Any]) -> str:
    return str(template) % params


_format_lazy = lazy(_format, str)


class ScenarioError(InvalidInput):
    """The scenario is not valid; `details["field"]` is the path of the field at fault."""

    code = "invalid_scenario"
    default_message = _("The scenario is not valid.")

    def __init__(self, template: str | Promise, field: str, **params: Any) -> None:
        # Formatted when shown, so the text follows the language active at that moment.
        super().__init__(_format_lazy(template, {"field": field, **params}), field=field)
        self.field = field


@dataclass(frozen=True)
class Location:
    kind: LocationKind
    first: float  # x_km or lat
    second: float  # y_km or lon

    def distance_km(self, other: Location) -> float:
        if self.kind == "xy":
            return math.hypot(other.first - self.first, other.second - self.second)
        lat1, lon1, lat2, lon2 = map(math.radians, (self.first, self.second, other.first, other.second))
        haversine = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(haversine)))


@dataclass(frozen=True)
class ServiceTime:
    distribution: str
    mean_minutes: float
    cv: float  # coefficient of variation (standard deviation / mean)

    def minutes(self, uniform: float) -> float:
        """The service time for a uniform draw in [0, 1), by inverting the distribution.

        Inverting one uniform number per person (instead of drawing from the hall's distribution)
        gives every person the same "difficulty" whichever hall a policy sends them to, so two
        policies run on the same seed differ only by the policy (common random numbers).
        """
        if self.distribution == "deterministic":
            return self.mean_minutes
        if self.distribution == "exponential":
            return -self.mean_minutes * math.log1p(-uniform)
        sigma_squared = math.log1p(self.cv * self.cv)
        mu = math.log(self.mean_minutes) - sigma_squared / 2
        probability = min(max(uniform, 1e-15), 1 - 1e-15)
        return math.exp(mu + math.sqrt(sigma_squared) * _STANDARD_NORMAL.inv_cdf(probability))


@dataclass(frozen=True)
class Hall:
    id: str
    name: str
    location: Location | None
    counters: int
    service_time: ServiceTime
    open_from_minute: float
    open_until_minute: float
    booked_per_hour: tuple[int, ...]

    def booked_arrival_minutes(self) -> list[float]:
        """Booked people arrive evenly through their hour: n bookings at the middle of n equal slots."""
        times: list[float] = []
        for hour, count in enumerate(self.booked_per_hour):
            times.extend(hour * 60 + (i + 0.5) * 60 / count for i in range(count))
        return times


@dataclass(frozen=True)
class Origin:
    id: str
    name: str
    location: Location | None
    share: float  # normalised: the shares of all origins add up to 1


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    start_minute_of_day: int
    hours: int
    arrivals_per_hour: tuple[float, ...]
    warmup_minutes: float
    halls: tuple[Hall, ...]
    origins: tuple[Origin, ...]
    travel_minutes: tuple[tuple[float, ...], ...]  # [origin index][hall index]

    @property
    def horizon_minutes(self) -> int:
        return self.hours * 60


HALL_FIELDS = (
    "id",
    "name",
    "location",
    "counters",
    "service_time",
    "open_from_minute",
    "open_until_minute",
    "booked_per_hour",
)
ORIGIN_FIELDS = ("id", "name", "location", "share")


# --- reading JSON values with their path -------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(_("%(field)s must be an object."), path or "scenario")
    for key in value:
        if key not in allowed:
            raise ScenarioError(_("%(field)s is not a known field."), _join(path, str(key)))
    return value


def _required(data: Mapping[str, Any], path: str, key: str) -> Any:
    if key not in data or data[key] is None:
        raise ScenarioError(_("%(field)s is missing."), _join(path, key))
    return data[key]


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ScenarioError(_("%(field)s must be text."), path)
    if not value.strip():
        raise ScenarioError(_("%(field)s must not be empty."), path)
    return value.strip()


def _number(
    value: Any,
    path: str,
    *,
    minimum: float | None = None,
    above: float | None = None,
    maximum: float | None = None,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(_("%(field)s must be a number."), path)
    number = float(value)
    if minimum is not None and number < minimum:
        raise ScenarioError(_("%(field)s must be at least %(minimum)s."), path, minimum=_plain(minimum))
    if above is not None and number <= above:
        raise ScenarioError(_("%(field)s must be greater than %(minimum)s."), path, minimum=_plain(above))
    if maximum is not None and number > maximum:
        raise ScenarioError(_("%(field)s must be at most %(maximum)s."), path, maximum=_plain(maximum))
    return number


def _whole(value: Any, path: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(_("%(field)s must be a whole number."), path)
    if isinstance(value, float) and not value.is_integer():
        raise ScenarioError(_("%(field)s must be a whole number."), path)
    return int(_number(value, path, minimum=minimum, maximum=maximum))


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(_("%(field)s must be a list."), path)
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _objects(value: Any, path: str, allowed: Sequence[str]) -> list[dict[str, Any]]:
    items = _list(value, path)
    if not items:
        raise ScenarioError(_("%(field)s must not be empty."), path)
    return [_object(item, f"{path}[{index}]", allowed) for index, item in enumerate(items)]


def _unique_ids(items: Sequence[Mapping[str, Any]], path: str) -> list[str]:
    ids: list[str] = []
    for index, item in enumerate(items):
        field = f"{path}[{index}].id"
        identifier = _text(_required(item, f"{path}[{index}]", "id"), field)
        if identifier in ids:
            raise ScenarioError(_("%(field)s repeats the id “%(id)s”."), field, id=identifier)
        ids.append(identifier)
    return ids


# --- the parts of a scenario ----------------------------------------------------------------------


def _location(value: Any, path: str) -> Location:
    data = _object(value, path, ("x_km", "y_km", "lat", "lon"))
    keys = set(data)
    if keys == {"x_km", "y_km"}:
        return Location("xy", _number(data["x_km"], f"{path}.x_km"), _number(data["y_km"], f"{path}.y_km"))
    if keys == {"lat", "lon"}:
        return Location(
            "latlon",
            _number(data["lat"], f"{path}.lat", minimum=-90, maximum=90),
            _number(data["lon"], f"{path}.lon", minimum=-180, maximum=180),
        )
    raise ScenarioError(_("%(field)s must give x_km and y_km, or lat and lon."), path)


def _service_time(value: Any, path: str) -> ServiceTime:
    data = _object(value, path, ("distribution", "mean_minutes", "cv"))
    distribution = _text(_required(data, path, "distribution"), f"{path}.distribution")
    if distribution not in DISTRIBUTIONS:
        raise ScenarioError(
            _("%(field)s must be one of: %(choices)s."),
            f"{path}.distribution",
            choices=", ".join(DISTRIBUTIONS),
        )
    mean = _number(_required(data, path, "mean_minutes"), f"{path}.mean_minutes", above=0, maximum=24 * 60)
    if distribution == "lognormal":
        cv = _number(data.get("cv", DEFAULT_LOGNORMAL_CV), f"{path}.cv", above=0, maximum=10)
    elif "cv" in data:
        raise ScenarioError(_("%(field)s only applies to the lognormal distribution."), f"{path}.cv")
    else:
        cv = 1.0 if distribution == "exponential" else 0.0
    return ServiceTime(distribution, mean, cv)


def _hourly_counts(value: Any, path: str, hours: int, read: Callable[[Any, str], Any]) -> list[Any]:
    items = _list(value, path)
    if len(items) > hours:
        raise ScenarioError(
            _("%(field)s lists %(count)s hours but the scenario has %(hours)s."),
            path,
            count=len(items),
            hours=hours,
        )
    return [read(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _hall(data: Mapping[str, Any], path: str, hours: int, needs_location: bool) -> Hall:
    identifier = _text(data["id"], f"{path}.id")
    name = _text(data["name"], f"{path}.name") if "name" in data else identifier
    location = _location(data["location"], f"{path}.location") if "location" in data else None
    if needs_location and location is None:
        raise ScenarioError(_("%(field)s is missing."), f"{path}.location")
    counters = _whole(_required(data, path, "counters"), f"{path}.counters", minimum=1, maximum=1000)
    service_time = _service_time(_required(data, path, "service_time"), f"{path}.service_time")
    horizon = hours * 60
    open_from = _number(
        data.get("open_from_minute", 0), f"{path}.open_from_minute", minimum=0, maximum=horizon - 1
    )
    open_until = _number(
        data.get("open_until_minute", horizon), f"{path}.open_until_minute", minimum=0, maximum=horizon
    )
    if open_until <= open_from:
        raise ScenarioError(_("%(field)s must be after open_from_minute."), f"{path}.open_until_minute")
    booked = _hourly_counts(
        data.get("booked_per_hour", []),
        f"{path}.booked_per_hour",
        hours,
        lambda item, field: _whole(item, field, minimum=0, maximum=10_000),
    )
    for hour, count in enumerate(booked):
        if count and (hour * 60 < open_from or (hour + 1) * 60 > open_until):
            raise ScenarioError(
                _("%(field)s books people in hour %(hour)s, when the hall is not open all hour."),
                f"{path}.booked_per_hour[{hour}]",
                hour=hour,
            )
    return Hall(
        id=identifier,
        name=name,
        location=location,
        counters=counters,
        service_time=service_time,
        open_from_minute=open_from,
        open_until_minute=open_until,
        booked_per_hour=tuple(booked),
    )


def _origin(
    data: Mapping[str, Any], path: str, needs_location: bool
) -> tuple[str, str, Location | None, float]:
    identifier = _text(data["id"], f"{path}.id")
    name = _text(data["name"], f"{path}.name") if "name" in data else identifier
    location = _location(data["location"], f"{path}.location") if "location" in data else None
    if needs_location and location is None:
        raise ScenarioError(_("%(field)s is missing."), f"{path}.location")
    share = _number(_required(data, path, "share"), f"{path}.share", minimum=0)
    return identifier, name, location, share


def _check_location_kinds(halls: Sequence[Hall], origins: Sequence[Origin]) -> None:
    places = [(f"halls[{index}].location", hall.location) for index, hall in enumerate(halls)]
    places += [(f"origins[{index}].location", origin.location) for index, origin in enumerate(origins)]
    kinds = [(path, location.kind) for path, location in places if location is not None]
    for path, kind in kinds[1:]:
        if kind != kinds[0][1]:
            raise ScenarioError(
                _("%(field)s must use the same kind of location as the others (x_km/y_km or lat/lon)."),
                path,
            )


def _travel_by_speed(
    halls: Sequence[Hall], origins: Sequence[Origin], speed_kmh: float
) -> tuple[tuple[float, ...], ...]:
    rows: list[tuple[float, ...]] = []
    for origin_index, origin in enumerate(origins):
        if origin.location is None:
            raise ScenarioError(_("%(field)s is missing."), f"origins[{origin_index}].location")
        row: list[float] = []
        for hall_index, hall in enumerate(halls):
            if hall.location is None:
                raise ScenarioError(_("%(field)s is missing."), f"halls[{hall_index}].location")
            row.append(origin.location.distance_km(hall.location) / speed_kmh * 60)
        rows.append(tuple(row))
    return tuple(rows)


def _travel_matrix(
    value: Any, path: str, origin_ids: Sequence[str], hall_ids: Sequence[str]
) -> tuple[tuple[float, ...], ...]:
    data = _object(value, path, origin_ids)
    rows: list[tuple[float, ...]] = []
    for origin_id in origin_ids:
        row_path = f"{path}.{origin_id}"
        if origin_id not in data:
            raise ScenarioError(_("%(field)s is missing."), row_path)
        row = _object(data[origin_id], row_path, hall_ids)
        minutes: list[float] = []
        for hall_id in hall_ids:
            if hall_id not in row:
                raise ScenarioError(_("%(field)s is missing."), f"{row_path}.{hall_id}")
            minutes.append(_number(row[hall_id], f"{row_path}.{hall_id}", minimum=0, maximum=24 * 60))
        rows.append(tuple(minutes))
    return tuple(rows)


def parse_scenario(data: Any) -> Scenario:
    """Validate a scenario (as loaded from JSON) and return it, or raise `ScenarioError`."""
    top = _object(
        data,
        "",
        (
            "name",
            "description",
            "start_time",
            "hours",
            "arrivals_per_hour",
            "warmup_minutes",
            "travel",
            "halls",
            "origins",
        ),
    )
    name = _text(_required(top, "", "name"), "name")
    description = str(top.get("description") or "")
    if "description" in top and not isinstance(top["description"], str):
        raise ScenarioError(_("%(field)s must be text."), "description")

    start_time = top.get("start_time", "08:00")
    match = _TIME_OF_DAY.match(start_time) if isinstance(start_time, str) else None
    if match is None:
        raise ScenarioError(_("%(field)s must be a time of day written HH:MM."), "start_time")
    start_minute_of_day = int(match.group(1)) * 60 + int(match.group(2))

    rates_value = _required(top, "", "arrivals_per_hour")
    if isinstance(rates_value, list):
        if not rates_value:
            raise ScenarioError(_("%(field)s must not be empty."), "arrivals_per_hour")
        if len(rates_value) > MAX_HOURS:
            raise ScenarioError(
                _("%(field)s may cover at most %(maximum)s hours."), "arrivals_per_hour", maximum=MAX_HOURS
            )
        rates = [
            _number(rate, f"arrivals_per_hour[{index}]", minimum=0, maximum=100_000)
            for index, rate in enumerate(rates_value)
        ]
        hours = len(rates)
        if "hours" in top and _whole(top["hours"], "hours", minimum=1, maximum=MAX_HOURS) != hours:
            raise ScenarioError(
                _("%(field)s lists %(count)s hours but the scenario has %(hours)s."),
                "arrivals_per_hour",
                count=len(rates),
                hours=top["hours"],
            )
    else:
        rate = _number(rates_value, "arrivals_per_hour", minimum=0, maximum=100_000)
        hours = _whole(_required(top, "", "hours"), "hours", minimum=1, maximum=MAX_HOURS)
        rates = [rate] * hours

    warmup = _number(top.get("warmup_minutes", 0), "warmup_minutes", minimum=0)
    if warmup >= hours * 60:
        raise ScenarioError(
            _("%(field)s must be shorter than the scenario (%(minutes)s minutes)."),
            "warmup_minutes",
            minutes=hours * 60,
        )

    travel = _object(_required(top, "", "travel"), "travel", ("speed_kmh", "minutes"))
    if ("speed_kmh" in travel) == ("minutes" in travel):
        raise ScenarioError(_("%(field)s must give exactly one of speed_kmh and minutes."), "travel")
    by_speed = "speed_kmh" in travel

    hall_items = _objects(_required(top, "", "halls"), "halls", HALL_FIELDS)
    hall_ids = _unique_ids(hall_items, "halls")
    halls = [_hall(item, f"halls[{index}]", hours, by_speed) for index, item in enumerate(hall_items)]

    origin_items = _objects(_required(top, "", "origins"), "origins", ORIGIN_FIELDS)
    origin_ids = _unique_ids(origin_items, "origins")
    raw_origins = [_origin(item, f"origins[{index}]", by_speed) for index, item in enumerate(origin_items)]
    total_share = sum(share for *_rest, share in raw_origins)
    if total_share <= 0:
        raise ScenarioError(_("%(field)s: the shares must not all be zero."), "origins")
    origins = [
        Origin(id=identifier, name=origin_name, location=location, share=share / total_share)
        for identifier, origin_name, location, share in raw_origins
    ]

    _check_location_kinds(halls, origins)
    if by_speed:
        speed = _number(travel["speed_kmh"], "travel.speed_kmh", above=0, maximum=1000)
        travel_minutes = _travel_by_speed(halls, origins, speed)
    else:
        travel_minutes = _travel_matrix(travel["minutes"], "travel.minutes", origin_ids, hall_ids)

    expected_people = sum(rates) + sum(sum(hall.booked_per_hour) for hall in halls)
    if expected_people > MAX_EXPECTED_PEOPLE:
        raise ScenarioError(
            _("%(field)s: the scenario expects about %(count)s people; the limit is %(limit)s."),
            "arrivals_per_hour",
            count=round(expected_people),
            limit=MAX_EXPECTED_PEOPLE,
        )

    return Scenario(
        name=name,
        description=description,
        start_minute_of_day=start_minute_of_day,
        hours=hours,
        arrivals_per_hour=tuple(rates),
        warmup_minutes=warmup,
        halls=tuple(halls),
        origins=tuple(origins),
        travel_minutes=travel_minutes,
    )
