"""Queueing maths for halls: Erlang B/C for M/M/c and the wait of someone arriving now.

Shared by the capacity simulator (`exitentry.routing`) and live wait prediction. Pure functions,
no Django. Rates are per minute and times in minutes unless a name says otherwise; any consistent
unit works.

- `erlang_b(c, a)`: blocking probability with c servers and offered load a = λ/μ, by the stable
  recurrence B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)) (no factorials, no overflow).
- `erlang_c(c, a)`: probability an arrival has to wait, C = c·B / (c − a·(1 − B)), for a < c.
- `mmc(λ, μ, c)`: the steady-state figures of an M/M/c queue (mean wait Wq = C / (cμ − λ)).
  A queue with ρ = λ / (cμ) ≥ 1 never settles: waits grow without bound, so the waits are
  `math.inf` and `stable` is False.
- `predicted_wait_minutes(waiting, busy, servers, mean_service_minutes)`: the expected wait of a
  person joining a hall now, given its state rather than its long-run rates (see the function).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _check_servers(servers: int) -> None:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers must be a whole number of at least 1, not {servers!r}")


def _check_non_negative(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of at least 0, not {value!r}")


def _check_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, not {value!r}")


def erlang_b(servers: int, offered_load: float) -> float:
    """Probability that all `servers` are busy in an M/M/c/c loss system with load λ/μ."""
    _check_servers(servers)
    _check_non_negative("offered_load", offered_load)
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with load a = λ/μ; 1.0 when a ≥ c."""
    _check_servers(servers)
    _check_non_negative("offered_load", offered_load)
    if offered_load >= servers:
        return 1.0
    blocking = erlang_b(servers, offered_load)
    return servers * blocking / (servers - offered_load * (1.0 - blocking))


@dataclass(frozen=True)
class MMcResult:
    """Steady state of an M/M/c queue. Waits are in the time unit of the rates given."""

    servers: int
    arrival_rate: float
    service_rate: float
    utilisation: float  # ρ = λ / (cμ)
    stable: bool  # ρ < 1
    probability_of_wait: float  # Erlang C
    mean_wait: float  # Wq
    mean_queue_length: float  # Lq = λ·Wq
    mean_time_in_system: float  # W = Wq + 1/μ

    def wait_exceeded_with_probability(self, probability: float) -> float:
        """The wait t with P(Wq > t) = probability: the (1 − probability) quantile of the wait.

        P(Wq > t) = C·exp(−(cμ − λ)·t), so t = ln(C / p) / (cμ − λ), and 0 when C ≤ p.
        """
        if not 0 < probability < 1:
            raise ValueError(f"probability must lie strictly between 0 and 1, not {probability!r}")
        if not self.stable:
            return math.inf
        if self.probability_of_wait <= probability:
            return 0.0
        drain_rate = self.servers * self.service_rate - self.arrival_rate
        return math.log(self.probability_of_wait / probability) / drain_rate


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MMcResult:
    """Steady-state figures of an M/M/c queue: λ arrivals and μ services per unit time, c servers."""
    _check_non_negative("arrival_rate", arrival_rate)
    _check_positive("service_rate", service_rate)
    _check_servers(servers)
    offered_load = arrival_rate / service_rate
    utilisation = offered_load / servers
    if utilisation >= 1:
        return MMcResult(
            servers=servers,
            arrival_rate=arrival_rate,
            service_rate=service_rate,
            utilisation=utilisation,
            stable=False,
            probability_of_wait=1.0,
            mean_wait=math.inf,
            mean_queue_length=math.inf,
            mean_time_in_system=math.inf,
        )
    probability_of_wait = erlang_c(servers, offered_load)
    mean_wait = probability_of_wait / (servers * service_rate - arrival_rate)
    return MMcResult(
        servers=servers,
        arrival_rate=arrival_rate,
        service_rate=service_rate,
        utilisation=utilisation,
        stable=True,
        probability_of_wait=probability_of_wait,
        mean_wait=mean_wait,
        mean_queue_length=arrival_rate * mean_wait,
        mean_time_in_system=mean_wait + 1.0 / service_rate,
    )


def expected_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue (Wq) of an M/M/c system; `math.inf` when ρ ≥ 1."""
    return mmc(arrival_rate, service_rate, servers).mean_wait


def predicted_wait_minutes(waiting: float, busy: float, servers: int, mean_service_minutes: float) -> float:
    """Expected wait of a person who joins a hall now, served first come, first served.

    `waiting` people are queueing, `busy` counters are serving and `servers` counters are open.
    The newcomer starts once k = busy + waiting − servers + 1 people have left. While every
    counter is busy, departures come at rate servers / mean service time (each service is
    memoryless in M/M/c), so the wait is k · mean_service_minutes / servers, and 0 when k ≤ 0.
    This is the exact conditional wait for M/M/c; for other service-time shapes it is the usual
    first-order estimate. Counts may be fractional (expected numbers); no counter open means no
    wait can be promised: `math.inf`.
    """
    _check_non_negative("waiting", waiting)
    _check_non_negative("busy", busy)
    _check_positive("mean_service_minutes", mean_service_minutes)
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 0:
        raise ValueError(f"servers must be a whole number of at least 0, not {servers!r}")
    if servers == 0:
        return math.inf
    departures_needed = busy + waiting - servers + 1
    if departures_needed <= 0:
        return 0.0
    return departures_needed * mean_service_minutes / servers
