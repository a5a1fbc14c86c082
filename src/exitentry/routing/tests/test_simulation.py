import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exitentry.core.erlang import mmc
from exitentry.routing.scenario import parse_scenario
from exitentry.routing.services import InvalidSeed, UnknownPolicy, run_simulation
from exitentry.routing.simulation import (
    draw_people,
    percentile,
    predicted_wait_at_arrival,
    simulate,
)
from exitentry.routing.tests.scenarios import example, two_halls

CONTRACT_KEYS = ["served", "mean_wait_minutes", "p90_wait_minutes", "mean_travel_minutes", "max_queue"]


def test_mmc_mean_wait_is_within_five_percent_of_erlang_c():
    scenario = parse_scenario(example("mmc_validation"))
    hall = scenario.halls[0]
    theory = mmc(
        arrival_rate=scenario.arrivals_per_hour[0] / 60,
        service_rate=1 / hall.service_time.mean_minutes,
        servers=hall.counters,
    )
    assert theory.mean_wait == pytest.approx(10 / 3)

    result = simulate(scenario, "nearest", seed=1)

    assert result.served > 200_000
    assert result.mean_wait_minutes == pytest.approx(theory.mean_wait, rel=0.05)
    assert result.p90_wait_minutes == pytest.approx(theory.wait_exceeded_with_probability(0.1), rel=0.05)
    assert result.summary() == {
        "served": 209752,
        "mean_wait_minutes": 3.4,
        "p90_wait_minutes": 12.23,
        "mean_travel_minutes": 0.0,
        "max_queue": 20,
    }


def test_bookings_only_hall_gives_the_hand_computed_figures():
    # One counter, exactly 10 minutes a person, 12 bookings in the first hour (every 5 minutes
    # from 2.5): person k arrives at 2.5 + 5k and starts at 2.5 + 10k, so waits 5k minutes.
    scenario = parse_scenario(
        {
            "name": "Overbooked",
            "start_time": "09:00",
            "arrivals_per_hour": [0],
            "travel": {"minutes": {"nobody": {"hall": 5}}},
            "halls": [
                {
                    "id": "hall",
                    "name": "Hall",
                    "counters": 1,
                    "service_time": {"distribution": "deterministic", "mean_minutes": 10},
                    "booked_per_hour": [12],
                }
            ],
            "origins": [{"id": "nobody", "share": 1}],
        }
    )

    result = simulate(scenario, "recommended", seed=3)

    assert result.summary() == {
        "served": 12,
        "mean_wait_minutes": 27.5,
        "p90_wait_minutes": 50.0,
        "mean_travel_minutes": 0.0,
        "max_queue": 6,
    }
    assert result.turned_away == 0
    [hall] = result.as_dict()["halls"]
    assert hall == {
        "hall_id": "hall",
        "name": "Hall",
        "served": 12,
        "mean_wait_minutes": 27.5,
        "p90_wait_minutes": 50.0,
        "max_queue": 6,
        "utilisation": round(120 / 122.5, 2),
    }
    assert result.as_dict()["hours"] == [
        {"hour": 0, "starts_at": "09:00", "arrivals": 12, "mean_wait_minutes": 27.5, "max_queue": 6},
        {"hour": 1, "starts_at": "10:00", "arrivals": 0, "mean_wait_minutes": 0.0, "max_queue": 6},
        {"hour": 2, "starts_at": "11:00", "arrivals": 0, "mean_wait_minutes": 0.0, "max_queue": 0},
    ]


def test_same_seed_gives_identical_figures():
    scenario = example("weekend_peak")
    first = run_simulation(scenario, "recommended", 42)
    second = run_simulation(scenario, "recommended", 42)
    assert first.as_dict() == second.as_dict()


def test_different_seed_gives_different_figures():
    scenario = example("weekend_peak")
    assert (
        run_simulation(scenario, "recommended", 42).summary()
        != run_simulation(scenario, "recommended", 43).summary()
    )


def test_the_global_random_generator_is_neither_used_nor_disturbed():
    random.seed(5)
    expected_next = random.random()
    random.seed(5)
    run_simulation(example("balanced"), "recommended", 7)
    assert random.random() == expected_next


def test_recommendation_beats_nearest_hall_on_the_skewed_scenario():
    scenario = parse_scenario(example("skewed_urban_suburban"))

    nearest = simulate(scenario, "nearest", seed=1)
    recommended = simulate(scenario, "recommended", seed=1)

    assert recommended.mean_wait_minutes < nearest.mean_wait_minutes
    assert recommended.mean_journey_minutes < nearest.mean_journey_minutes
    assert recommended.mean_travel_minutes > nearest.mean_travel_minutes  # it costs a little travel
    assert nearest.summary() == {
        "served": 424,
        "mean_wait_minutes": 61.9,
        "p90_wait_minutes": 139.15,
        "mean_travel_minutes": 2.94,
        "max_queue": 84,
    }
    assert recommended.summary() == {
        "served": 424,
        "mean_wait_minutes": 3.7,
        "p90_wait_minutes": 10.11,
        "mean_travel_minutes": 4.38,
        "max_queue": 9,
    }
    assert round(nearest.mean_journey_minutes, 2) == 63.06
    assert round(recommended.mean_journey_minutes, 2) == 7.93


def test_nearest_hall_leaves_suburban_counters_idle_on_the_skewed_scenario():
    result = simulate(parse_scenario(example("skewed_urban_suburban")), "nearest", seed=1)
    central, *suburbs = result.halls
    assert central.utilisation > 0.95
    assert all(hall.utilisation < 0.45 for hall in suburbs)
    assert central.max_queue == result.max_queue


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ignoring_people_on_their_way_makes_recommendations_herd(seed):
    scenario = parse_scenario(example("skewed_urban_suburban"))
    counted = simulate(scenario, "recommended", seed=seed)
    ignored = simulate(scenario, "recommended", seed=seed, count_en_route=False)
    assert counted.mean_wait_minutes < ignored.mean_wait_minutes


def test_walk_ins_who_cannot_reach_an_open_hall_are_turned_away():
    data = two_halls()
    for hall in data["halls"]:
        hall["open_until_minute"] = 60
        hall.pop("booked_per_hour", None)
    scenario = parse_scenario(data)
    people = draw_people(scenario, random.Random(4))
    # The nearest hall is 3 minutes away for everyone: anyone setting off at 57 or later is too late.
    too_late = sum(1 for person in people if person.appears_at >= 57)

    result = simulate(scenario, "nearest", seed=4)

    assert too_late > 0
    assert result.turned_away == too_late
    assert result.served == len(people) - too_late


def test_people_before_the_warm_up_are_left_out_of_the_figures():
    data = two_halls()
    data["warmup_minutes"] = 60
    scenario = parse_scenario(data)
    people = draw_people(scenario, random.Random(2))
    result = simulate(scenario, "recommended", seed=2)
    assert result.served == sum(1 for person in people if person.appears_at >= 60)
    assert sum(hour.arrivals for hour in result.hours) == len(people)


def test_predicted_wait_counts_people_inside_en_route_and_booked():
    common = {"counters": 2, "mean_service_minutes": 10.0, "now": 0.0}
    # 2 at the counters and 2 waiting: the newcomer waits for 3 departures, 5 minutes apart.
    assert predicted_wait_at_arrival(inside=4, arrival=0.0, **common) == 15.0
    # Arriving 10 minutes later, the counters have cleared the 2 who were waiting.
    assert predicted_wait_at_arrival(inside=4, arrival=10.0, **common) == 5.0
    # Two people due at minute 10 (one on the way, one booked) are ahead again.
    assert predicted_wait_at_arrival(inside=4, arrival=10.0, due=[10.0, 10.0], **common) == 15.0
    # Someone due after this person does not count.
    assert predicted_wait_at_arrival(inside=4, arrival=10.0, due=[11.0], **common) == 5.0
    # An empty hall that opens in 20 minutes: the wait is the time until it opens.
    assert predicted_wait_at_arrival(inside=0, arrival=5.0, opens_at=25.0, **common) == 20.0


def test_unknown_policy_and_negative_seed_are_refused():
    with pytest.raises(UnknownPolicy) as caught:
        run_simulation(two_halls(), "fastest", 1)
    assert caught.value.code == "unknown_policy"
    assert caught.value.details == {"policy": "fastest", "choices": ["nearest", "recommended"]}
    with pytest.raises(InvalidSeed):
        run_simulation(two_halls(), "nearest", -1)


def test_percentile_is_nearest_rank():
    assert percentile([], 0.9) == 0.0
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(value) for value in range(1, 11)], 0.9) == 9.0
    assert percentile([float(value) for value in range(1, 12)], 0.9) == 10.0


@st.composite
def scenarios(draw):
    hours = draw(st.integers(min_value=1, max_value=3))
    hall_count = draw(st.integers(min_value=1, max_value=3))
    origin_count = draw(st.integers(min_value=1, max_value=3))
    halls = []
    for index in range(hall_count):
        distribution = draw(st.sampled_from(["exponential", "lognormal", "deterministic"]))
        service = {"distribution": distribution, "mean_minutes": draw(st.floats(min_value=1, max_value=30))}
        open_from = draw(st.sampled_from([0, 0, 30, 60 * hours - 30]))
        open_until = draw(st.integers(min_value=open_from + 1, max_value=60 * hours))
        open_hours = [h for h in range(hours) if h * 60 >= open_from and (h + 1) * 60 <= open_until]
        booked = [draw(st.integers(0, 6)) if h in open_hours else 0 for h in range(hours)]
        halls.append(
            {
                "id": f"h{index}",
                "counters": draw(st.integers(min_value=1, max_value=4)),
                "service_time": service,
                "open_from_minute": open_from,
                "open_until_minute": open_until,
                "booked_per_hour": booked,
            }
        )
    origins = [{"id": f"o{index}", "share": draw(st.floats(0.1, 5))} for index in range(origin_count)]
    travel = {
        origin["id"]: {hall["id"]: draw(st.floats(min_value=0, max_value=40)) for hall in halls}
        for origin in origins
    }
    return {
        "name": "generated",
        "arrivals_per_hour": [draw(st.floats(min_value=0, max_value=80)) for _hour in range(hours)],
        "warmup_minutes": draw(st.sampled_from([0, 0, 20])),
        "travel": {"minutes": travel},
        "halls": halls,
        "origins": origins,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(), seed=st.integers(min_value=0, max_value=2**32))
def test_figures_are_consistent_for_any_scenario(data, seed):
    scenario = parse_scenario(data)
    people = draw_people(scenario, random.Random(seed))
    appearing = sum(1 for person in people if person.measured)
    nearest = simulate(scenario, "nearest", seed)
    recommended = simulate(scenario, "recommended", seed)

    for result in (nearest, recommended):
        assert list(result.summary()) == CONTRACT_KEYS
        assert result.served + result.turned_away == appearing
        assert result.served <= len(people)
        assert result.mean_wait_minutes >= 0
        assert result.p90_wait_minutes >= 0
        assert result.mean_travel_minutes >= 0
        assert result.max_queue >= 0
        assert sum(hall.served for hall in result.halls) == result.served
        if scenario.warmup_minutes == 0:
            assert sum(hour.arrivals for hour in result.hours) == len(people) - result.turned_away
        assert max(hall.max_queue for hall in result.halls) == result.max_queue
        assert all(0 <= hall.utilisation <= 1 + 1e-9 for hall in result.halls)
    # Both policies offer each walk-in the same halls; nearest always takes the shortest trip.
    assert nearest.turned_away == recommended.turned_away
    assert nearest.mean_travel_minutes <= recommended.mean_travel_minutes + 1e-9
    assert simulate(scenario, "recommended", seed).as_dict() == recommended.as_dict()
