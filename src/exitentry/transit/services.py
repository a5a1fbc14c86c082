"""The 240-hour visa-free transit check: stateless, every failing condition reported.

Nothing is stored; the answer depends only on the policy rows in force on the arrival date
(local date at the entry port) and on the trip described.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from exitentry.core import clock
from exitentry.transit.models import (
    ClockStart,
    EligibleNationality,
    EntryPort,
    Place,
    PlaceKind,
    TransitPolicy,
)

DATETIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Trip:
    """A traveller's plan. Naive times are wall-clock times at the entry port."""

    nationality: str
    entry_port: str
    arrival: dt.datetime
    origin: str
    destination: str
    departure: dt.datetime


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TransitAnswer:
    eligible: bool
    failures: tuple[Failure, ...]
    arrival: dt.datetime
    departure: dt.datetime
    port: EntryPort | None = None
    policy: TransitPolicy | None = None
    stay_starts_at: dt.datetime | None = None
    stay_ends_at: dt.datetime | None = None

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]


def permitted_stay(
    arrival: dt.datetime, zone: zoneinfo.ZoneInfo, *, hours: int, clock_start: str
) -> tuple[dt.datetime, dt.datetime]:
    """When the permitted stay starts and ends, as aware datetimes in the port's zone.

    With `next_day_midnight` (the NIA rule: "停留时间从入境次日零时起计算", the stay is counted from
    00:00 of the day after entry) the clock starts at local midnight after the arrival date;
    otherwise at the arrival itself. The limit is elapsed time (hours), added in UTC so that a
    daylight-saving change in the port's zone cannot stretch or shrink it.
    """
    local_arrival = arrival.astimezone(zone)
    if clock_start == ClockStart.NEXT_DAY_MIDNIGHT:
        start = dt.datetime.combine(local_arrival.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    else:
        start = local_arrival
    end = (start.astimezone(dt.UTC) + dt.timedelta(hours=hours)).astimezone(zone)
    return start, end


def _aware(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=zone)
    return moment


def _format(moment: dt.datetime) -> str:
    offset = moment.strftime("%z")
    return f"{moment.strftime(DATETIME_FORMAT)} (UTC{offset[:3]}:{offset[3:]})"


def check_transit(trip: Trip) -> TransitAnswer:
    """Judge a trip against the visa-free transit policy; list every condition that fails."""
    code = trip.entry_port.strip().upper()
    # The port's rows are looked up first: its zone decides the local arrival date.
    port_rows = list(EntryPort.objects.filter(code=code).order_by("-effective_from"))
    zone = port_rows[0].zone if port_rows else clock.LOCAL_ZONE
    arrival = _aware(trip.arrival, zone).astimezone(zone)
    departure = _aware(trip.departure, zone).astimezone(zone)
    arrival_day = arrival.date()
    port = next((row for row in port_rows if row.is_effective_on(arrival_day)), None)
    failures: list[Failure] = []

    nationality = trip.nationality.strip().upper()
    if not EligibleNationality.objects.effective_on(arrival_day).filter(place__iso3=nationality).exists():
        place = Place.objects.filter(iso3=nationality).first()
        failures.append(
            Failure(
                "nationality_not_eligible",
                _(
                    "Nationals of %(country)s are not on the list of nationalities eligible for "
                    "visa-free transit on %(date)s."
                )
                % {"country": place.name if place else nationality, "date": arrival_day.isoformat()},
                {"nationality": nationality},
            )
        )
    if port is None:
        failures.append(
            Failure(
                "port_not_designated",
                _("%(port)s is not a port designated for visa-free transit entry on %(date)s.")
                % {"port": port_rows[0].name if port_rows else code, "date": arrival_day.isoformat()},
                {"entry_port": code},
            )
        )

    origin, destination = trip.origin.strip().upper(), trip.destination.strip().upper()
    kinds = dict(Place.objects.filter(iso3__in=[origin, destination]).values_list("iso3", "kind"))
    if kinds.get(origin) == PlaceKind.MAINLAND:
        failures.append(
            Failure(
                "origin_is_mainland_china",
                _(
                    "The journey must begin outside mainland China: transit means arriving from "
                    "another country or region."
                ),
                {"origin": origin},
            )
        )
    if kinds.get(destination) == PlaceKind.MAINLAND:
        failures.append(
            Failure(
                "destination_is_mainland_china",
                _(
                    "The onward ticket must be to a third country or region outside mainland China "
                    "(Hong Kong, Macao and Taiwan count as regions)."
                ),
                {"destination": destination},
            )
        )
    elif origin == destination:
        failures.append(
            Failure(
                "destination_same_as_origin",
                _(
                    "The onward destination must differ from the country or region you arrive from: "
                    "a round trip is not a transit."
                ),
                {"origin": origin, "destination": destination},
            )
        )

    policy = TransitPolicy.objects.effective_on(arrival_day).first()
    stay_start = stay_end = None
    if policy is None:
        failures.append(
            Failure(
                "no_transit_policy",
                _("No visa-free transit policy was in force on %(date)s.")
                % {"date": arrival_day.isoformat()},
            )
        )
    else:
        stay_start, stay_end = permitted_stay(
            arrival, zone, hours=policy.stay_hours, clock_start=policy.clock_start
        )
    if departure <= arrival:
        failures.append(
            Failure(
                "departure_before_arrival",
                _("The onward departure (%(departure)s) must be after the arrival (%(arrival)s).")
                % {"departure": _format(departure), "arrival": _format(arrival)},
            )
        )
    elif stay_end is not None and departure > stay_end:
        assert policy is not None
        failures.append(
            Failure(
                "departure_after_permitted_stay",
                _(
                    "The onward departure (%(departure)s) is after the permitted stay of %(hours)s "
                    "hours ends (%(end)s)."
                )
                % {"departure": _format(departure), "hours": policy.stay_hours, "end": _format(stay_end)},
                {"stay_ends_at": stay_end.isoformat(), "hours": policy.stay_hours},
            )
        )
    return TransitAnswer(
        eligible=not failures,
        failures=tuple(failures),
        arrival=arrival,
        departure=departure,
        port=port,
        policy=policy,
        stay_starts_at=stay_start,
        stay_ends_at=stay_end,
    )


def nationalities() -> list[Place]:
    """Every known country or region except mainland China, by name in the active language."""
    return sorted(Place.objects.exclude(kind=PlaceKind.MAINLAND), key=lambda place: place.name)


def places() -> list[Place]:
    return sorted(Place.objects.all(), key=lambda place: (place.kind != PlaceKind.MAINLAND, place.name))


def ports_in_force(day: dt.date | None = None) -> list[EntryPort]:
    day = day or clock.today()
    return sorted(EntryPort.objects.effective_on(day), key=lambda port: port.name)
