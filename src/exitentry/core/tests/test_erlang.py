import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exitentry.core.erlang import (
    erlang_b,
    erlang_c,
    expected_wait,
    mmc,
    predicted_wait_minutes,
)


def erlang_c_by_factorials(servers: int, load: float) -> float:
    """The closed form, fine for small c: (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a))."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def test_erlang_b_matches_the_published_table_for_ten_lines_and_ten_erlangs():
    assert erlang_b(10, 10.0) == pytest.approx(0.21458, abs=5e-6)


def test_erlang_b_with_two_servers_and_one_erlang_is_one_fifth():
    # B = (a²/2) / (1 + a + a²/2) = 0.5 / 2.5
    assert erlang_b(2, 1.0) == pytest.approx(0.2)


def test_erlang_c_with_two_servers_and_one_erlang_is_one_third():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_erlang_c_with_one_server_is_the_utilisation():
    assert erlang_c(1, 0.75) == pytest.approx(0.75)


def test_erlang_c_for_the_call_centre_example_of_ten_erlangs():
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(12, 10.0) == pytest.approx(0.4494, abs=5e-5)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.3), (2, 1.5), (3, 2.4), (5, 4.1), (8, 2.0), (20, 17.5)])
def test_erlang_c_agrees_with_the_closed_form(servers, load):
    assert erlang_c(servers, load) == pytest.approx(erlang_c_by_factorials(servers, load), rel=1e-12)


def test_erlang_c_stays_finite_where_factorials_overflow():
    probability = erlang_c(1000, 990.0)
    assert 0 < probability < 1
    assert erlang_c(1000, 980.0) < probability < erlang_c(1000, 995.0)


def test_mm1_mean_wait_is_rho_over_mu_minus_lambda():
    result = mmc(arrival_rate=0.5, service_rate=1.0, servers=1)
    assert result.stable
    assert result.utilisation == pytest.approx(0.5)
    assert result.mean_wait == pytest.approx(1.0)
    assert result.mean_queue_length == pytest.approx(0.5)
    assert result.mean_time_in_system == pytest.approx(2.0)


def test_mm2_mean_wait_and_ninetieth_percentile():
    # λ = 0.1/min, μ = 0.1/min (10-minute service), 2 counters: a = 1, C = 1/3, Wq = C / (cμ − λ).
    result = mmc(arrival_rate=0.1, service_rate=0.1, servers=2)
    assert result.probability_of_wait == pytest.approx(1 / 3)
    assert result.mean_wait == pytest.approx(10 / 3)
    assert result.wait_exceeded_with_probability(0.1) == pytest.approx(math.log(10 / 3) / 0.1)
    assert result.wait_exceeded_with_probability(0.5) == 0.0


def test_expected_wait_for_a_textbook_m_m_3_hall():
    # 14.4 arrivals an hour, 10-minute service, 3 counters: ρ = 0.8, C = 0.6472, Wq = 10.79 minutes.
    assert expected_wait(14.4 / 60, 0.1, 3) == pytest.approx(10.7865, abs=5e-4)
    assert mmc(14.4 / 60, 0.1, 3).probability_of_wait == pytest.approx(0.6472, abs=5e-5)


@pytest.mark.parametrize(("arrival_rate", "servers"), [(0.2, 2), (0.5, 2), (1.0, 1)])
def test_unstable_queue_waits_forever(arrival_rate, servers):
    result = mmc(arrival_rate=arrival_rate, service_rate=0.1 if servers == 2 else 1.0, servers=servers)
    assert not result.stable
    assert result.probability_of_wait == 1.0
    assert math.isinf(result.mean_wait)
    assert math.isinf(result.wait_exceeded_with_probability(0.1))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(0, 1.0), "servers"),
        (lambda: erlang_c(2, -1.0), "offered_load"),
        (lambda: mmc(0.1, 0.0, 1), "service_rate"),
        (lambda: mmc(math.nan, 1.0, 1), "arrival_rate"),
        (lambda: predicted_wait_minutes(-1, 0, 1, 5.0), "waiting"),
        (lambda: predicted_wait_minutes(0, 0, 1, 0.0), "mean_service_minutes"),
        (lambda: mmc(0.1, 1.0, 1).wait_exceeded_with_probability(1.0), "probability"),
    ],
)
def test_impossible_parameters_are_refused_with_the_parameter_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predicted_wait_when_all_counters_are_busy_and_people_wait():
    # 3 counters busy, 5 waiting: the newcomer waits for 6 departures, each 12/3 minutes apart.
    assert predicted_wait_minutes(waiting=5, busy=3, servers=3, mean_service_minutes=12) == 24.0


def test_predicted_wait_with_a_free_counter_is_zero():
    assert predicted_wait_minutes(waiting=0, busy=2, servers=3, mean_service_minutes=12) == 0.0


def test_predicted_wait_when_the_last_counter_just_filled_is_one_departure():
    assert predicted_wait_minutes(waiting=0, busy=4, servers=4, mean_service_minutes=10) == 2.5


def test_predicted_wait_with_no_counter_open_is_infinite():
    assert math.isinf(predicted_wait_minutes(waiting=2, busy=0, servers=0, mean_service_minutes=10))


@given(
    servers=st.integers(min_value=1, max_value=60),
    utilisation=st.floats(min_value=0.01, max_value=0.99),
)
def test_erlang_c_is_a_probability_at_least_erlang_b(servers, utilisation):
    load = servers * utilisation
    blocking, waiting = erlang_b(servers, load), erlang_c(servers, load)
    assert 0 <= blocking <= waiting <= 1


@given(
    waiting=st.integers(min_value=0, max_value=200),
    servers=st.integers(min_value=1, max_value=20),
    mean=st.floats(min_value=0.5, max_value=60),
)
def test_each_more_person_waiting_adds_one_service_time_shared_by_the_counters(waiting, servers, mean):
    now = predicted_wait_minutes(waiting, servers, servers, mean)
    later = predicted_wait_minutes(waiting + 1, servers, servers, mean)
    assert later - now == pytest.approx(mean / servers)
