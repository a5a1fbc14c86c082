"""A discrete-event simulator of walk-ins and booked visitors across a network of halls.

How a run goes (`simulate(scenario, policy, seed)`):

1. All randomness is drawn first from one `random.Random(seed)`, in an order that does not depend
   on the policy: walk-in arrival times (a Poisson process whose rate is constant within each
   hour), each walk-in's origin, and one uniform number per person that becomes their service
   time at whichever hall serves them. Booked visitors arrive evenly through their booked hour.
   So the same seed gives the same output, and two policies on one seed face the same people.
2. Events run from a heap ordered by (time, kind, sequence): a counter finishing, a hall
   opening, a person reaching a hall, a walk-in choosing a hall. At each choice the policy picks
   a hall open at the person's arrival there; with none left open the walk-in is turned away.
3. Halls serve first come, first served on any free counter from their opening minute, stop
   taking new people at their closing minute, and serve everyone already inside.

Policies:
- `nearest`: the hall with the shortest travel time.
- `recommended`: the hall with the lowest travel time + predicted wait at arrival. The
  prediction starts from the people inside now (waiting and at counters), adds the people
  recommended earlier who are still on their way and the booked visitors due before this
  person arrives, lets the counters work through them in the meantime (a fluid projection),
  and turns the expected number ahead into a wait with
  `exitentry.core.erlang.predicted_wait_minutes`. Leaving out the people on their way makes
  everyone herd to whichever hall looks empty; `count_en_route=False` shows that.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right, insort
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import accumulate, count
from operator import itemgetter
from typing import Any

from exitentry.core.erlang import predicted_wait_minutes
from exitentry.routing.scenario import Hall, Scenario

POLICIES = ("nearest", "recommended")

# Event kinds, in the order they run when they share a minute: a counter freed at 10:00 takes
# the person who walks in at 10:00, and a person reaching a hall is inside before the next
# walk-in decides (so the deciding walk-in sees them).
_DEPARTURE = 0
_OPENING = 1
_HALL_ARRIVAL = 2
_DECISION = 3


@dataclass(slots=True)
class _Person:
    appears_at: float  # walk-in: when they set off; booked: their booked arrival time
    origin: int  # index into scenario.origins; -1 for a booked visitor
    service_draw: float
    measured: bool
    hall: int = -1
    travel_minutes: float = 0.0
    arrived_at: float = 0.0
    wait_minutes: float = 0.0

    @property
    def booked(self) -> bool:
        return self.origin < 0


@dataclass
class _HallState:
    index: int
    hall: Hall
    is_open: bool
    busy: int = 0
    queue: deque[_Person] = field(default_factory=deque)
    en_route: list[float] = field(default_factory=list)  # arrival times of people on their way
    booked_times: list[float] = field(default_factory=list)
    booked_arrived: int = 0
    busy_minutes: float = 0.0
    last_departure: float = 0.0
    waits: list[float] = field(default_factory=list)
    max_queue: int = 0
    queue_by_hour: list[int] = field(default_factory=list)  # longest queue seen in each hour
    noted_length: int = 0  # the queue's length when it last changed


@dataclass(frozen=True)
class HallFigures:
    hall_id: str
    name: str
    served: int
    mean_wait_minutes: float
    p90_wait_minutes: float
    max_queue: int
    utilisation: float  # share of counter time spent serving, from opening to the last departure


@dataclass(frozen=True)
class HourFigures:
    hour: int  # counted from the scenario's start
    starts_at: str  # HH:MM on the clock
    arrivals: int  # people reaching a hall in this hour
    mean_wait_minutes: float  # of the people who reached a hall in this hour
    max_queue: int  # the longest queue at any hall during the hour


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    policy: str
    seed: int
    served: int
    turned_away: int
    mean_wait_minutes: float
    p90_wait_minutes: float
    mean_travel_minutes: float  # walk-ins only: booked visitors' journeys are not the policy's choice
    mean_journey_minutes: float  # walk-ins: travel + wait
    max_queue: int
    halls: tuple[HallFigures, ...]
    hours: tuple[HourFigures, ...]

    def summary(self) -> dict[str, int | float]:
        """The figures of the `exitentry simulate --json` contract, rounded to 2 decimals."""
        return {
            "served": self.served,
            "mean_wait_minutes": round(self.mean_wait_minutes, 2),
            "p90_wait_minutes": round(self.p90_wait_minutes, 2),
            "mean_travel_minutes": round(self.mean_travel_minutes, 2),
            "max_queue": self.max_queue,
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything, rounded to 2 decimals: for pages and charts."""
        data = asdict(self)
        data["halls"] = list(data["halls"])
        data["hours"] = list(data["hours"])
        for key, value in data.items():
            if isinstance(value, float):
                data[key] = round(value, 2)
        for row in (*data["halls"], *data["hours"]):
            for key, value in row.items():
                if isinstance(value, float):
                    row[key] = round(value, 2)
        return data


def mean(values: list[float]) -> float:
    return math.fsum(values) / len(values) if values else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _clock_label(start_minute_of_day: int, hour: int) -> str:
    minute = (start_minute_of_day + hour * 60) % (24 * 60)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def draw_people(scenario: Scenario, rng: random.Random) -> list[_Person]:
    """Everyone who will appear, walk-ins first in time order, then booked visitors hall by hall."""
    people: list[_Person] = []
    cumulative_shares = list(accumulate(origin.share for origin in scenario.origins))
    last_origin = len(scenario.origins) - 1
    warmup = scenario.warmup_minutes
    for hour, rate in enumerate(scenario.arrivals_per_hour):
        per_minute = rate / 60
        if per_minute <= 0:  # also a rate so small that it underflows
            continue
        moment, hour_end = float(hour * 60), float(hour * 60 + 60)
        while True:
            # Memoryless: the gap that crosses the hour is dropped and the next hour starts afresh.
            moment += rng.expovariate(per_minute)
            if moment >= hour_end:
                break
            origin = min(bisect_right(cumulative_shares, rng.random()), last_origin)
            people.append(_Person(moment, origin, rng.random(), moment >= warmup))
    for hall_index, hall in enumerate(scenario.halls):
        for moment in hall.booked_arrival_minutes():
            person = _Person(moment, -1, rng.random(), moment >= warmup)
            person.hall = hall_index
            people.append(person)
    return people


class _Run:
    def __init__(self, scenario: Scenario, policy: str, count_en_route: bool) -> None:
        self.scenario = scenario
        self.policy = policy
        self.count_en_route = count_en_route
        self.halls = [
            _HallState(index, hall, is_open=hall.open_from_minute <= 0)
            for index, hall in enumerate(scenario.halls)
        ]
        self.events: list[tuple[float, int, int, _Person | int]] = []
        self.sequence = count()
        self.turned_away = 0
        self.now = 0.0

    # --- the event queue ---------------------------------------------------------------------------

    def push(self, moment: float, kind: int, payload: _Person | int) -> None:
        heapq.heappush(self.events, (moment, kind, next(self.sequence), payload))

    def run(self, people: list[_Person]) -> None:
        for state in self.halls:
            if not state.is_open:
                self.push(state.hall.open_from_minute, _OPENING, state.index)
        # People appearing (walk-ins deciding, booked visitors arriving) are known in advance and
        # already in time order, so they stay out of the heap, which only holds what the run
        # itself schedules; both streams are merged by (time, kind).
        scheduled = sorted(
            (
                (person.appears_at, _HALL_ARRIVAL if person.origin < 0 else _DECISION, person)
                for person in people
            ),
            key=itemgetter(0, 1),
        )
        for moment, kind, person in scheduled:
            if kind == _HALL_ARRIVAL:
                self.halls[person.hall].booked_times.append(moment)
        events = self.events
        position, total = 0, len(scheduled)
        payload: _Person | int
        while position < total or events:
            if position < total:
                moment, kind, payload = scheduled[position]
                if events:
                    first = events[0]
                    if first[0] < moment or (first[0] == moment and first[1] <= kind):
                        moment, kind, _sequence, payload = heapq.heappop(events)
                    else:
                        position += 1
                else:
                    position += 1
            else:
                moment, kind, _sequence, payload = heapq.heappop(events)
            self.now = moment
            if isinstance(payload, int):
                if kind == _DEPARTURE:
                    self.on_departure(payload)
                else:
                    self.on_opening(payload)
            elif kind == _HALL_ARRIVAL:
                self.on_hall_arrival(payload)
            else:
                self.on_decision(payload)
        for state in self.halls:
            self.note_queue(state)

    # --- handlers --------------------------------------------------------------------------------

    def on_decision(self, person: _Person) -> None:
        hall_index = self.choose_hall(person)
        if hall_index is None:
            if person.measured:
                self.turned_away += 1
            return
        travel = self.scenario.travel_minutes[person.origin][hall_index]
        person.hall = hall_index
        person.travel_minutes = travel
        arrival = self.now + travel
        insort(self.halls[hall_index].en_route, arrival)
        self.push(arrival, _HALL_ARRIVAL, person)

    def on_hall_arrival(self, person: _Person) -> None:
        state = self.halls[person.hall]
        person.arrived_at = self.now
        if person.origin < 0:
            state.booked_arrived += 1
        else:
            # Arrivals at a hall come in time order, so the person arriving is the first on the way.
            state.en_route.pop(0)
        if state.is_open and state.busy < state.hall.counters:
            self.start_service(state, person)
        else:
            state.queue.append(person)
            self.note_queue(state)

    def on_departure(self, hall_index: int) -> None:
        state = self.halls[hall_index]
        state.busy -= 1
        state.last_departure = self.now
        if state.queue:
            self.start_service(state, state.queue.popleft())
            self.note_queue(state)

    def on_opening(self, hall_index: int) -> None:
        state = self.halls[hall_index]
        state.is_open = True
        while state.queue and state.busy < state.hall.counters:
            self.start_service(state, state.queue.popleft())
        self.note_queue(state)

    def start_service(self, state: _HallState, person: _Person) -> None:
        person.wait_minutes = self.now - person.arrived_at
        duration = state.hall.service_time.minutes(person.service_draw)
        state.busy += 1
        state.busy_minutes += duration
        if person.measured:
            state.waits.append(person.wait_minutes)
        self.push(self.now + duration, _DEPARTURE, state.index)

    def note_queue(self, state: _HallState) -> None:
        length = len(state.queue)
        if self.now >= self.scenario.warmup_minutes and length > state.max_queue:
            state.max_queue = length
        by_hour = state.queue_by_hour
        hour = int(self.now // 60)
        if len(by_hour) <= hour:
            # Until this change the queue kept the length it had at the last one, so that is the
            # longest it was in the hours since, and at the start of this hour.
            carried = state.noted_length
            by_hour.extend([carried] * (hour + 1 - len(by_hour)))
        if length > by_hour[hour]:
            by_hour[hour] = length
        state.noted_length = length

    # --- policies --------------------------------------------------------------------------------

    def choose_hall(self, person: _Person) -> int | None:
        travel = self.scenario.travel_minutes[person.origin]
        best: tuple[float, float, int] | None = None
        for hall_index, state in enumerate(self.halls):
            arrival = self.now + travel[hall_index]
            if arrival >= state.hall.open_until_minute:
                continue
            if self.policy == "nearest":
                score = travel[hall_index]
            else:
                score = travel[hall_index] + self.predicted_wait(state, arrival)
            candidate = (score, travel[hall_index], hall_index)
            if best is None or candidate < best:
                best = candidate
        return None if best is None else best[2]

    def predicted_wait(self, state: _HallState, arrival: float) -> float:
        """Expected wait of someone reaching this hall at `arrival`, from what is known now."""
        due: list[float] = []
        if self.count_en_route:
            due.extend(state.en_route[: bisect_right(state.en_route, arrival)])
        booked = state.booked_times
        due.extend(booked[state.booked_arrived : bisect_right(booked, arrival, lo=state.booked_arrived)])
        hall = state.hall
        return predicted_wait_at_arrival(
            inside=state.busy + len(state.queue),
            counters=hall.counters,
            mean_service_minutes=hall.service_time.mean_minutes,
            now=self.now,
            arrival=arrival,
            due=due,
            opens_at=hall.open_from_minute,
        )

    # --- figures ---------------------------------------------------------------------------------

    def result(self, people: list[_Person], seed: int) -> SimulationResult:
        measured = [person for person in people if person.measured and person.hall >= 0]
        waits = [person.wait_minutes for person in measured]
        walk_ins = [person for person in measured if not person.booked]
        travels = [person.travel_minutes for person in walk_ins]
        journeys = [person.travel_minutes + person.wait_minutes for person in walk_ins]
        return SimulationResult(
            scenario=self.scenario.name,
            policy=self.policy,
            seed=seed,
            served=len(measured),
            turned_away=self.turned_away,
            mean_wait_minutes=mean(waits),
            p90_wait_minutes=percentile(waits, 0.9),
            mean_travel_minutes=mean(travels),
            mean_journey_minutes=mean(journeys),
            max_queue=max(state.max_queue for state in self.halls),
            halls=tuple(self.hall_figures(state) for state in self.halls),
            hours=self.hour_figures(people),
        )

    def hall_figures(self, state: _HallState) -> HallFigures:
        hall = state.hall
        working = max(hall.open_until_minute, state.last_departure) - hall.open_from_minute
        return HallFigures(
            hall_id=hall.id,
            name=hall.name,
            served=len(state.waits),
            mean_wait_minutes=mean(state.waits),
            p90_wait_minutes=percentile(state.waits, 0.9),
            max_queue=state.max_queue,
            utilisation=state.busy_minutes / (hall.counters * working),
        )

    def hour_figures(self, people: list[_Person]) -> tuple[HourFigures, ...]:
        served = [person for person in people if person.hall >= 0]
        last_hour = max(
            [self.scenario.hours - 1]
            + [int(person.arrived_at // 60) for person in served]
            + [len(state.queue_by_hour) - 1 for state in self.halls]
        )
        waits_by_hour: list[list[float]] = [[] for _hour in range(last_hour + 1)]
        for person in served:
            waits_by_hour[int(person.arrived_at // 60)].append(person.wait_minutes)
        figures = []
        for hour, waits in enumerate(waits_by_hour):
            longest = max(
                (state.queue_by_hour[hour] for state in self.halls if hour < len(state.queue_by_hour)),
                default=0,
            )
            figures.append(
                HourFigures(
                    hour=hour,
                    starts_at=_clock_label(self.scenario.start_minute_of_day, hour),
                    arrivals=len(waits),
                    mean_wait_minutes=mean(waits),
                    max_queue=longest,
                )
            )
        return tuple(figures)


def predicted_wait_at_arrival(
    *,
    inside: float,
    counters: int,
    mean_service_minutes: float,
    now: float,
    arrival: float,
    due: Iterable[float] = (),
    opens_at: float = 0.0,
) -> float:
    """Expected wait of a person reaching a hall at `arrival`, judged at `now`.

    `inside` people are in the hall now (waiting or at a counter); `due` are the arrival times of
    people known to be coming (recommended earlier and on their way, booked); those due by
    `arrival` are ahead of this person. Between arrivals the counters work through the people
    inside (a fluid projection, see `_drain`); the expected number left ahead then becomes a wait
    with `core.erlang.predicted_wait_minutes`, plus any time until the hall opens.
    """
    people = float(inside)
    moment = now
    for comes_at in sorted(time for time in due if time <= arrival):
        people = _drain(people, moment, comes_at, counters, mean_service_minutes, opens_at) + 1
        moment = max(moment, comes_at)
    people = _drain(people, moment, arrival, counters, mean_service_minutes, opens_at)
    wait = predicted_wait_minutes(
        waiting=max(0.0, people - counters),
        busy=min(people, float(counters)),
        servers=counters,
        mean_service_minutes=mean_service_minutes,
    )
    return wait + max(0.0, opens_at - arrival)


def _drain(people: float, start: float, end: float, counters: int, service: float, opens: float) -> float:
    """Expected people left in a hall after its counters work from `start` to `end`, none joining.

    While more people are inside than counters, the counters clear c / s people a minute; once
    fewer remain, each of the n people at a counter leaves at rate 1 / s, so n decays exponentially.
    Nothing is served before the hall opens.
    """
    start = max(start, opens)
    if end <= start or people <= 0:
        return people
    elapsed = end - start
    if people > counters:
        until_all_at_counters = (people - counters) * service / counters
        if elapsed <= until_all_at_counters:
            return people - counters * elapsed / service
        elapsed -= until_all_at_counters
        people = float(counters)
    return people * math.exp(-elapsed / service)


def simulate(scenario: Scenario, policy: str, seed: int, *, count_en_route: bool = True) -> SimulationResult:
    """Run `scenario` under `policy` ("nearest" or "recommended") with random seed `seed`."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, not {policy!r}")
    rng = random.Random(seed)  # noqa: S311 - a model of queues, not secrets: reproducibility is the point
    people = draw_people(scenario, rng)
    run = _Run(scenario, policy, count_en_route)
    run.run(people)
    return run.result(people, seed)
