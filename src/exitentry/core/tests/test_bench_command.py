"""`exitentry bench booking|tracking`: its parts here, and a tiny real run on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exitentry.core.management.commands import bench
from exitentry.servicepoints.tests.factories import ServicePointFactory


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]

    assert bench.percentile(values, 0.50) == 50.0
    assert bench.percentile(values, 0.99) == 99.0
    assert bench.percentile([7.0], 0.99) == 7.0
    assert bench.percentile([], 0.5) == 0.0


def test_the_ladder_offers_the_first_hot_slots_not_known_full_and_moves_on() -> None:
    ladder = bench.Ladder([101, 102, 103, 104, 105], hot=2, seed=1)

    assert {ladder.pick() for _ in range(50)} == {0, 1}
    ladder.mark_full(0)
    assert {ladder.pick() for _ in range(50)} == {1, 2}
    ladder.mark_full(2)
    assert {ladder.pick() for _ in range(50)} == {1, 3}
    for position in (1, 3, 4):
        ladder.mark_full(position)
    assert ladder.pick() is None
    assert ladder.exhausted


def test_people_are_handed_out_once_each() -> None:
    people = bench.People(3, start=10)

    assert [people.take() for _ in range(4)] == [10, 11, 12, None]
    assert people.used == 13


def test_requests_carry_the_proxy_header_and_a_length() -> None:
    request = bench.http_request("POST", "/api/v1/appointments", "127.0.0.1:9", {"X-Test": "1"}, b"{}")

    assert request == (
        b"POST /api/v1/appointments HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Forwarded-Proto: https\r\n"
        b"Accept-Language: en\r\nX-Test: 1\r\nContent-Length: 2\r\n\r\n{}"
    )


@pytest.mark.parametrize(
    ("reply", "status", "body", "keep_alive"),
    [
        (b'HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n{"a":1}', 201, b'{"a":1}', True),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            200,
            b"abcde",
            True,
        ),
        (b"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 409, b"{}", False),
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, b"", True),
    ],
)
def test_answers_are_read_whole(reply: bytes, status: int, body: bytes, keep_alive: bool) -> None:
    async def scenario() -> bench.Answer:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await bench.exchange(reader, writer, bench.http_request("GET", "/", "x", {}))
        finally:
            writer.close()
            server.close()

    answer = asyncio.run(scenario())

    assert (answer.status, answer.body, answer.keep_alive) == (status, body, keep_alive)


def test_booking_outcomes_move_the_client_along() -> None:
    ladder = bench.Ladder([11, 12, 13], hot=1, seed=1)
    workload = bench.BookingWorkload("h", "run", ladder, ["t0", "t1", "t2"], bench.People(3))

    request, position = workload.next_request(0)  # type: ignore[misc]
    assert b"Authorization: Bearer t0" in request
    assert json.loads(request.split(b"\r\n\r\n", 1)[1]) == {"slot_id": 11, "service": "passport.renewal"}

    assert workload.outcome(0, position, bench.Answer(409, b'{"code": "slot_full"}', True)) == (
        "409 slot_full",
        True,
    )
    request, position = workload.next_request(0)  # type: ignore[misc]
    assert b"Bearer t0" in request
    assert b'"slot_id": 12' in request
    assert workload.outcome(0, position, bench.Answer(201, b"{}", True)) == ("201", True)
    request, _position = workload.next_request(0)  # type: ignore[misc]
    assert b"Bearer t1" in request  # booked: the next person
    assert workload.outcome(0, 1, bench.Answer(500, b'{"code": "server_error"}', True)) == (
        "500 server_error",
        False,
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--clients", "0"], "--clients must be between 1 and 1000."),
        (["--seconds", "601"], "--seconds must be between 1 and 600."),
        (["--database-url", "sqlite:////tmp/x.sqlite3"], "The benchmark needs PostgreSQL"),
    ],
)
def test_bad_arguments_stop_the_command_with_the_reason(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("bench", "booking", *arguments)


@pytest.mark.django_db
def test_a_database_with_real_halls_is_refused() -> None:
    ServicePointFactory(code="jinan-lixia")
    command = bench.Command()

    with pytest.raises(CommandError, match="1 service points the benchmark did not create"):
        command._refuse_shared_database(allowed=False)
    command._refuse_shared_database(allowed=True)


def test_every_listening_socket_on_a_port_is_counted() -> None:
    # As granian's workers listen on Linux: one socket each on the same port (SO_REUSEPORT).
    if bench.listening_sockets(1) is None:
        pytest.skip("the kernel's socket tables are Linux's")
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(3)]
    try:
        for sock in sockets:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sockets[0].bind(("127.0.0.1", 0))
        port = sockets[0].getsockname()[1]
        for sock in sockets[1:]:
            sock.bind(("127.0.0.1", port))
        assert bench.listening_sockets(port) == 0  # bound, not listening
        sockets[0].listen()
        assert bench.listening_sockets(port) == 1
        sockets[1].listen()
        sockets[2].listen()
        assert bench.listening_sockets(port) == 3
        # A connection to the port is not a listener.
        with socket.create_connection(("127.0.0.1", port)):
            assert bench.listening_sockets(port) == 3
    finally:
        for sock in sockets:
            sock.close()
    assert bench.listening_sockets(port) == 0


def _smoke_database_url(kind: str) -> str:
    """A database of each kind's own: the two tiny benchmarks may run at once on two workers."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + f"_benchsmoke_{kind}"))


@pytest.mark.postgres
def test_a_database_created_by_several_runs_at_once_is_created_once() -> None:
    url = _smoke_database_url("created_at_once")
    _drop_database(url)
    start = threading.Barrier(6)

    def create() -> bool:
        start.wait()
        return bench.ensure_database(url)

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            created = list(pool.map(lambda _: create(), range(6)))
        assert sorted(created) == [False] * 5 + [True]
        assert bench.ensure_database(url) is False
    finally:
        _drop_database(url)


@pytest.mark.postgres
def test_a_role_that_may_not_create_databases_uses_one_that_exists() -> None:
    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    role = f"bench_nocreate_{os.getpid()}"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    as_role = parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}")
    try:
        assert bench.ensure_database(urlunsplit(as_role)) is False
        with pytest.raises(CommandError, match="permission denied to create database"):
            bench.ensure_database(urlunsplit(as_role._replace(path="/bench_never_created")))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{role}"')


def _drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(parts.path.lstrip("/"))))


def _run(kind: str, results: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "exitentry",
            "bench",
            kind,
            "--clients",
            "4",
            "--seconds",
            "2",
            "--warmup",
            "0.5",
            "--threads",
            "2",
            "--reference-connections",
            "2",
            "--database-url",
            _smoke_database_url(kind),
            "--results-dir",
            str(results),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "exitentry.settings"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.postgres
def test_a_tiny_booking_benchmark_sells_no_place_twice(tmp_path: Path) -> None:
    result = _run("booking", tmp_path)

    assert set(bench.CONTRACT_KEYS) <= set(result)
    assert (result["clients"], result["seconds"]) == (4, 2)
    assert result["oversold"] == 0
    assert result["double_booked"] == 0
    assert result["checks"]["booked_counter_mismatch"] == 0
    assert result["reference"]["oversold"] == 0
    assert result["errors"] == 0
    assert result["throughput_per_s"] > 0
    assert result["reference_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["throughput_per_s"] / result["reference_per_s"], abs=0.01)
    assert set(result["outcomes"]) <= {"201", "409 slot_full"}
    # Then the same clients paced like people; the p99 judged against the target is theirs.
    paced = result["paced"]
    assert paced["think_ms"] == bench.PACED_THINK_MS
    assert paced["requests"] > 0
    assert paced["errors"] == 0
    assert set(paced["outcomes"]) <= {"201", "409 slot_full"}
    assert result["targets"]["p99_from"] == "paced"
    assert result["targets"]["p99_judged_ms"] == paced["p99_ms"]
    # Each turn's own rate is kept; together they make the phase's figures.
    assert [turn["of"] for turn in result["turns"]] == ["server", "reference"] * bench.BOOKING_ROUNDS
    assert sum(turn["requests"] for turn in result["turns"] if turn["of"] == "server") == result["requests"]
    saved = list(tmp_path.glob("booking-*.json"))
    assert len(saved) == 1
    assert json.loads(saved[0].read_text())["run"] == result["run"]


@pytest.mark.postgres
def test_a_tiny_tracking_benchmark_finds_every_application(tmp_path: Path) -> None:
    result = _run("tracking", tmp_path)

    assert set(bench.CONTRACT_KEYS) <= set(result)
    assert result["errors"] == 0
    assert set(result["outcomes"]) == {"200"}
    assert result["reference"]["endpoint"] == "GET /api/v1/health"
    assert result["reference"]["errors"] == 0
    assert result["throughput_per_s"] > 0
    assert [turn["of"] for turn in result["turns"]] == ["tracking", "health"] * bench.TRACKING_ROUNDS
    assert (
        sum(turn["requests"] for turn in result["turns"] if turn["of"] == "health")
        == (result["reference"]["requests"])
    )
    # Turns of equal length: the phase's rate is their mean.
    tracking_rates = [turn["per_s"] for turn in result["turns"] if turn["of"] == "tracking"]
    assert sum(tracking_rates) / len(tracking_rates) == pytest.approx(result["throughput_per_s"], abs=0.2)
