import json
import math
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from exitentry.routing.scenario import ScenarioError, parse_scenario
from exitentry.routing.tests.scenarios import example, two_halls


def _set(path, value):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return mutate


def _delete(path):
    def mutate(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return mutate


def _matrix(data):
    del data["travel"]["speed_kmh"]
    data["travel"]["minutes"] = {"west": {"a": 3, "b": 15}, "east": {"a": 15, "b": 3}}


def _then(*mutations):
    def mutate(data):
        for mutation in mutations:
            mutation(data)

    return mutate


BAD_SCENARIOS = [
    ("unknown top-level field", _set(["colour"], "blue"), "colour"),
    ("misspelt hall field", _set(["halls", 0, "counter"], 3), "halls[0].counter"),
    ("missing name", _delete(["name"]), "name"),
    ("blank name", _set(["name"], "  "), "name"),
    ("no counters", _set(["halls", 0, "counters"], 0), "halls[0].counters"),
    ("fractional counters", _set(["halls", 0, "counters"], 2.5), "halls[0].counters"),
    ("counters as a boolean", _set(["halls", 1, "counters"], True), "halls[1].counters"),
    ("counters as text", _set(["halls", 1, "counters"], "3"), "halls[1].counters"),
    ("missing counters", _delete(["halls", 1, "counters"]), "halls[1].counters"),
    (
        "unknown distribution",
        _set(["halls", 0, "service_time", "distribution"], "gamma"),
        "halls[0].service_time.distribution",
    ),
    (
        "negative service time",
        _set(["halls", 1, "service_time", "mean_minutes"], -3),
        "halls[1].service_time.mean_minutes",
    ),
    ("cv on an exponential", _set(["halls", 0, "service_time", "cv"], 0.4), "halls[0].service_time.cv"),
    ("zero cv", _set(["halls", 1, "service_time", "cv"], 0), "halls[1].service_time.cv"),
    ("negative arrival rate", _set(["arrivals_per_hour", 1], -5), "arrivals_per_hour[1]"),
    ("infinite arrival rate", _set(["arrivals_per_hour", 0], math.inf), "arrivals_per_hour[0]"),
    ("no arrival rates", _set(["arrivals_per_hour"], []), "arrivals_per_hour"),
    ("missing arrival rates", _delete(["arrivals_per_hour"]), "arrivals_per_hour"),
    ("more hours than a run may cover", _set(["arrivals_per_hour"], [0] * 100_001), "arrivals_per_hour"),
    ("constant rate without hours", _set(["arrivals_per_hour"], 30), "hours"),
    ("hours disagreeing with the list", _set(["hours"], 5), "arrivals_per_hour"),
    ("share as text", _set(["origins", 1, "share"], "lots"), "origins[1].share"),
    ("all shares zero", _then(_set(["origins", 0, "share"], 0), _set(["origins", 1, "share"], 0)), "origins"),
    ("repeated hall id", _set(["halls", 1, "id"], "a"), "halls[1].id"),
    ("speed and matrix together", _set(["travel", "minutes"], {}), "travel"),
    ("neither speed nor matrix", _set(["travel"], {}), "travel"),
    ("zero speed", _set(["travel", "speed_kmh"], 0), "travel.speed_kmh"),
    (
        "matrix missing an origin",
        _then(_matrix, _delete(["travel", "minutes", "east"])),
        "travel.minutes.east",
    ),
    (
        "matrix missing a hall",
        _then(_matrix, _delete(["travel", "minutes", "west", "b"])),
        "travel.minutes.west.b",
    ),
    (
        "matrix naming an unknown hall",
        _then(_matrix, _set(["travel", "minutes", "west", "c"], 4)),
        "travel.minutes.west.c",
    ),
    (
        "negative travel time",
        _then(_matrix, _set(["travel", "minutes", "east", "a"], -1)),
        "travel.minutes.east.a",
    ),
    ("location missing with a speed", _delete(["halls", 1, "location"]), "halls[1].location"),
    ("location with one coordinate", _set(["origins", 0, "location"], {"x_km": 1}), "origins[0].location"),
    (
        "mixed kinds of location",
        _set(["origins", 1, "location"], {"lat": 36.6, "lon": 117.0}),
        "origins[1].location",
    ),
    (
        "latitude beyond the pole",
        _set(["halls", 0, "location"], {"lat": 95, "lon": 117}),
        "halls[0].location.lat",
    ),
    ("closing before opening", _set(["halls", 0, "open_until_minute"], 0), "halls[0].open_until_minute"),
    ("opening after the scenario", _set(["halls", 0, "open_from_minute"], 180), "halls[0].open_from_minute"),
    (
        "booking while closed",
        _then(_set(["halls", 1, "open_from_minute"], 60), _set(["halls", 1, "booked_per_hour"], [1, 2])),
        "halls[1].booked_per_hour[0]",
    ),
    (
        "bookings beyond the last hour",
        _set(["halls", 1, "booked_per_hour"], [1, 1, 1, 1]),
        "halls[1].booked_per_hour",
    ),
    ("fractional booking", _set(["halls", 1, "booked_per_hour"], [1.5]), "halls[1].booked_per_hour[0]"),
    ("warm-up as long as the scenario", _set(["warmup_minutes"], 180), "warmup_minutes"),
    ("start time not HH:MM", _set(["start_time"], "9am"), "start_time"),
    ("no halls", _set(["halls"], []), "halls"),
    ("hall that is not an object", _set(["halls", 1], "b"), "halls[1]"),
    ("origins that are not a list", _set(["origins"], {"id": "west"}), "origins"),
    ("description that is not text", _set(["description"], 7), "description"),
    (
        "more people than a run may simulate",
        _then(
            _set(["arrivals_per_hour"], 100_000),
            _set(["hours"], 20),
            _set(["halls", 1, "booked_per_hour"], []),
        ),
        "arrivals_per_hour",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [pytest.param(mutate, field, id=name) for name, mutate, field in BAD_SCENARIOS],
)
def test_bad_scenario_is_refused_naming_the_field(mutate, field):
    data = two_halls()
    mutate(data)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert caught.value.details == {"field": field}
    assert caught.value.code == "invalid_scenario"
    assert caught.value.status == 422
    with translation.override("en"):
        assert str(caught.value.message).startswith(field)


def test_scenario_that_is_not_an_object_is_refused():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario([two_halls()])
    assert caught.value.details == {"field": "scenario"}


def test_scenario_error_message_follows_the_active_language():
    data = two_halls()
    data["halls"][0]["counters"] = 0
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    with translation.override("en"):
        assert str(caught.value.message) == "halls[0].counters must be at least 1."
    with translation.override("zh-hans"):
        assert str(caught.value.message) == "halls[0].counters 不能小于 1。"


def test_valid_scenario_is_read_with_defaults_and_normalised_shares():
    scenario = parse_scenario(two_halls())
    assert scenario.name == "Two halls"
    assert scenario.hours == 3
    assert scenario.horizon_minutes == 180
    assert scenario.start_minute_of_day == 8 * 60
    assert scenario.warmup_minutes == 0
    assert [origin.share for origin in scenario.origins] == pytest.approx([2 / 3, 1 / 3])
    hall_a, hall_b = scenario.halls
    assert hall_a.name == "a"
    assert (hall_a.open_from_minute, hall_a.open_until_minute) == (0, 180)
    assert hall_a.service_time.cv == 1.0
    assert hall_b.service_time.cv == 0.7
    assert hall_b.booked_per_hour == (2, 2)
    assert hall_b.booked_arrival_minutes() == [15.0, 45.0, 75.0, 105.0]
    # 20 km/h is 3 minutes a kilometre.
    assert [list(row) for row in scenario.travel_minutes] == [pytest.approx([3, 15]), pytest.approx([15, 3])]


def test_constant_rate_with_hours_repeats_the_rate():
    data = two_halls()
    data["arrivals_per_hour"] = 12
    data["hours"] = 4
    scenario = parse_scenario(data)
    assert scenario.arrivals_per_hour == (12.0, 12.0, 12.0, 12.0)


def test_travel_matrix_is_used_as_given_and_locations_become_optional():
    data = two_halls()
    _matrix(data)
    for place in (*data["halls"], *data["origins"]):
        del place["location"]
    assert parse_scenario(data).travel_minutes == ((3.0, 15.0), (15.0, 3.0))


def test_latitude_and_longitude_give_great_circle_travel():
    data = two_halls()
    data["travel"]["speed_kmh"] = 60
    data["halls"][0]["location"] = {"lat": 0, "lon": 0}
    data["halls"][1]["location"] = {"lat": 0, "lon": 1}
    data["origins"][0]["location"] = {"lat": 0, "lon": 0}
    data["origins"][1]["location"] = {"lat": 1, "lon": 0}
    travel = parse_scenario(data).travel_minutes
    # One degree of a great circle is 111.195 km; at 60 km/h a kilometre is a minute.
    assert travel[0] == pytest.approx((0.0, 111.195), abs=1e-3)
    assert travel[1] == pytest.approx((111.195, 157.249), abs=1e-3)


@pytest.mark.parametrize("name", ["mmc_validation", "balanced", "skewed_urban_suburban", "weekend_peak"])
def test_example_scenarios_are_valid(name):
    assert parse_scenario(example(name)).name


def test_the_example_in_the_documentation_is_valid():
    text = (Path(settings.BASE_DIR) / "docs" / "scenarios.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1
    assert parse_scenario(json.loads(blocks[0])) == parse_scenario(two_halls())
