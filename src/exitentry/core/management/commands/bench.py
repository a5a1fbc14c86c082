"""`exitentry bench booking|tracking`: load-test the real server on PostgreSQL, on loopback.

    exitentry bench booking --clients 200 --seconds 10 --database-url postgres://…/h10bench --json

What one run does (see benchmarks/README.md for the meaning of the figures):

1. Uses a PostgreSQL database of its own: created if missing, migrated, and refused when it holds
   service points the benchmark did not create (`--allow-shared-database` overrides). Every row
   it adds is tagged with the run id (`bench-<run>`); drop the database to get rid of them.
2. Prepares data: a hall open on working days whose slots of `--capacity` places form a
   "ladder" (everyone wants the earliest time; `--hot-slots` at a time are hot), a booking policy
   for the hall with no per-address limit (all clients share 127.0.0.1), and one account with
   an API token per person. Tracking: applications to look up.
3. Starts the real server: granian WSGI, `--workers` processes × `--threads` threads, with
   EXITENTRY_ENV=production (DEBUG off, whitenoise, PostgreSQL) on a free loopback port, behind
   an imaginary TLS proxy (`X-Forwarded-Proto: https`).
4. Drives it for `--warmup` + `--seconds` with `--clients` concurrent keep-alive connections
   (asyncio, HTTP/1.1). Booking: each client books for one person at a time, picks one of the
   hot slots, moves on when told `slot_full`, and takes the next person after a 201. 201 and
   409 are outcomes; anything else (5xx, other 4xx, timeouts, dropped connections) is an error.
   Tracking: `GET /api/v1/track` for known applications and `GET /api/v1/health` (a minimal
   Django endpoint on the same server), the reference, in turns.
5. Booking only: the reference is the same conditional `UPDATE … WHERE booked < capacity` +
   `INSERT` loop straight through psycopg, `--clients` threads sharing as many connections as the
   server has (workers × threads), on a ladder of its own, for the same time; the server's rush
   and the reference take turns (`BOOKING_ROUNDS`), then a paced phase follows. After the server
   stops, counts in the database slots booked beyond capacity (`oversold`) and people holding
   two active appointments for one service (`double_booked`), the reference's included.
6. Prints the figures (`--json`: the contract object plus details) and writes them to
   `benchmarks/results/<kind>-<timestamp>.json`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import platform
import queue
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from exitentry.ops.management.commands.serve import DEFAULT_THREADS

KINDS = ("booking", "tracking", "insight", "kiosk")
SERVICE = "passport.renewal"
TARGETS = {
    "booking": {"ratio": 0.30, "p99_ms": 250.0},
    "tracking": {"ratio": 0.50},
}
REQUEST_TIMEOUT_SECONDS = 30.0
SERVER_START_TIMEOUT_SECONDS = 90.0
# People prepared per second of the run for each side: more than this machine class can book.
SERVER_PEOPLE_PER_SECOND = 1_500
REFERENCE_PEOPLE_PER_SECOND = 6_000
TRACKED_APPLICATIONS = 500
TRACKING_ROUNDS = 2  # tracking and health take turns this many times each
BOOKING_ROUNDS = 2  # the server and the raw-SQL reference take turns this many times each
# Booking's paced phase: each client pauses this long on average after an answer. People reading
# "full, pick another time" and pressing again take seconds; one second is a fast, eager crowd.
PACED_THINK_MS = 1000.0
CONTRACT_KEYS = (
    "clients",
    "seconds",
    "throughput_per_s",
    "p50_ms",
    "p99_ms",
    "errors",
    "oversold",
    "reference_per_s",
    "ratio",
)


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


@dataclass
class Tally:
    """What one phase measured: outcomes by label, latencies of the requests started in the window."""

    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def count(self, label: str) -> int:
        return self.outcomes[label]

    def record(self, latency_ms: float, label: str, ok: bool) -> None:
        self.latencies_ms.append(latency_ms)
        self.outcomes[label] += 1
        if not ok:
            self.errors += 1

    def merge(self, other: Tally) -> None:
        """Add another slice of the same phase (its seconds are already counted in this one's)."""
        self.latencies_ms.extend(other.latencies_ms)
        self.outcomes.update(other.outcomes)
        self.errors += other.errors

    def failure(self, label: str) -> None:
        """A request that got no answer (timeout, dropped connection): an error without a latency."""
        self.outcomes[label] += 1
        self.errors += 1


# ---------------------------------------------------------------------------------------------
# The ladder of slots: everyone wants the earliest time; a few slots are hot at any moment


class Ladder:
    """Slots in the order people want them; `pick` chooses among the first `hot` not known full."""

    def __init__(self, slot_ids: list[int], hot: int, seed: int) -> None:
        self.slot_ids = slot_ids
        self.hot = hot
        self.full: set[int] = set()
        self.front = 0
        self.random = random.Random(seed)  # noqa: S311 - load spreading, not secrets
        self.lock = threading.Lock()

    def pick(self) -> int | None:
        with self.lock:
            while self.front < len(self.slot_ids) and self.front in self.full:
                self.front += 1
            candidates: list[int] = []
            position = self.front
            while position < len(self.slot_ids) and len(candidates) < self.hot:
                if position not in self.full:
                    candidates.append(position)
                position += 1
            return self.random.choice(candidates) if candidates else None

    def mark_full(self, position: int) -> None:
        with self.lock:
            self.full.add(position)

    @property
    def exhausted(self) -> bool:
        return self.pick() is None


class People:
    """Hands out people (index into prepared accounts) one at a time, across threads."""

    def __init__(self, count: int, start: int = 0) -> None:
        self.next = start
        self.end = start + count
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            if self.next >= self.end:
                return None
            taken = self.next
            self.next += 1
            return taken

    @property
    def used(self) -> int:
        return self.next


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 over asyncio streams: small, keep-alive, no dependency


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    keep_alive: bool


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> Answer:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    headers: dict[bytes, bytes] = {}
    for line in header_lines:
        name, _sep, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        body = await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = await _read_chunked(reader)
    elif status in (204, 304):
        body = b""
    else:
        body = await reader.read()
        return Answer(status, body, keep_alive=False)
    return Answer(status, body, keep_alive=headers.get(b"connection", b"").lower() != b"close")


def http_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "X-Forwarded-Proto: https", "Accept-Language: en"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Workload:
    """One kind of request: what a client sends next, and what an answer means."""

    stopped = False  # set when the workload has nothing left to ask (people or slots used up)

    def next_request(self, client: int) -> tuple[bytes, Any] | None:
        raise NotImplementedError

    def outcome(self, client: int, context: Any, answer: Answer) -> tuple[str, bool]:
        raise NotImplementedError


async def drive(
    port: int, workload: Workload, *, clients: int, warmup: float, seconds: float, think_ms: float = 0.0
) -> Tally:
    """`clients` keep-alive connections asking as fast as answers come, for warmup + seconds.

    Only requests started after the warm-up and before its end are counted (their answers are
    awaited even if they come after the end). With `think_ms`, each client pauses a random time
    (exponential, that mean) after each answer, as a person reading it would.
    """
    pauses = random.Random(3)  # noqa: S311 - pacing, not secrets
    tally = Tally(seconds=seconds)
    loop = asyncio.get_running_loop()
    start = loop.time()
    window_start, window_end = start + warmup, start + warmup + seconds

    async def client(index: int) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        if think_ms > 0:
            # Paced clients start at random moments, as people arrive, not all in the same tick.
            await asyncio.sleep(pauses.expovariate(1000.0 / think_ms))
        try:
            while loop.time() < window_end and not workload.stopped:
                if writer is None:
                    try:
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection("127.0.0.1", port), REQUEST_TIMEOUT_SECONDS
                        )
                    except (OSError, TimeoutError):
                        if loop.time() >= window_start:
                            tally.failure("connection_refused")
                        await asyncio.sleep(0.05)
                        continue
                assert reader is not None
                assert writer is not None
                prepared = workload.next_request(index)
                if prepared is None:
                    return
                request, context = prepared
                sent = loop.time()
                counted = window_start <= sent < window_end
                try:
                    answer = await asyncio.wait_for(
                        exchange(reader, writer, request), REQUEST_TIMEOUT_SECONDS
                    )
                except TimeoutError:
                    if counted:
                        tally.failure("timeout")
                    writer.close()
                    writer = None
                    continue
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                    if counted:
                        tally.failure("connection_error")
                    writer.close()
                    writer = None
                    continue
                label, ok = workload.outcome(index, context, answer)
                if counted:
                    tally.record((loop.time() - sent) * 1000.0, label, ok)
                if not answer.keep_alive:
                    writer.close()
                    writer = None
                if think_ms > 0:
                    await asyncio.sleep(pauses.expovariate(1000.0 / think_ms))
        finally:
            if writer is not None:
                writer.close()

    await asyncio.gather(*(client(index) for index in range(clients)))
    return tally


# ---------------------------------------------------------------------------------------------
# Workloads


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("code", ""))
    except (ValueError, AttributeError):
        return ""


class BookingWorkload(Workload):
    def __init__(self, host: str, run: str, ladder: Ladder, tokens: list[str], people: People) -> None:
        self.host = host
        self.run = run
        self.ladder = ladder
        self.tokens = tokens
        self.people = people
        self.person: dict[int, int] = {}
        self.sequence = 0

    def next_request(self, client: int) -> tuple[bytes, Any] | None:
        if client not in self.person:
            person = self.people.take()
            if person is None:
                self.stopped = True
                return None
            self.person[client] = person
        position = self.ladder.pick()
        if position is None:
            self.stopped = True
            return None
        self.sequence += 1
        body = json.dumps({"slot_id": self.ladder.slot_ids[position], "service": SERVICE}).encode()
        headers = {
            "Authorization": f"Bearer {self.tokens[self.person[client]]}",
            "Idempotency-Key": f"bench-{self.run}-{self.sequence}",
            "Content-Type": "application/json",
        }
        return http_request("POST", "/api/v1/appointments", self.host, headers, body), position

    def outcome(self, client: int, context: Any, answer: Answer) -> tuple[str, bool]:
        if answer.status == 201:
            del self.person[client]  # booked: this client now books for the next person
            return "201", True
        if answer.status == 409:
            code = _error_code(answer.body)
            if code == "slot_full":
                self.ladder.mark_full(context)
            elif code == "already_booked":
                del self.person[client]
            return f"409 {code}", True
        code = _error_code(answer.body)
        return f"{answer.status} {code}".strip(), False


class LookupWorkload(Workload):
    """GET requests from a fixed list, round robin per client; `expected` is the only good status."""

    def __init__(self, host: str, paths: list[str], expected: int = 200) -> None:
        self.host = host
        self.requests = [http_request("GET", path, host, {}) for path in paths]
        self.expected = expected
        self.position: dict[int, int] = {}

    def next_request(self, client: int) -> tuple[bytes, Any] | None:
        position = self.position.get(client, client * 7919)
        self.position[client] = position + 1
        return self.requests[position % len(self.requests)], None

    def outcome(self, client: int, context: Any, answer: Answer) -> tuple[str, bool]:
        if answer.status == self.expected:
            return str(answer.status), True
        return f"{answer.status} {_error_code(answer.body)}".strip(), False


# ---------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def server_environment(database_url: str, var_dir: Path, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EXITENTRY_", "GRANIAN_")) and key not in ("DEBUG", "DATABASE_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "exitentry.settings",
            "EXITENTRY_ENV": "production",
            "EXITENTRY_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The server reads rows this process wrote: the same field keys.
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "FIELD_LOOKUP_KEY": settings.FIELD_LOOKUP_KEY,
            # Empty: Django's local-memory cache in each worker. A URL needs the redis package.
            "REDIS_URL": redis_url,
            "TRACKING_PER_CLIENT_PER_MINUTE": "1000000000",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def running_server(database_url: str, *, workers: int, threads: int, redis_url: str) -> Iterator[Server]:
    """granian serving exitentry.wsgi on a free loopback port; stopped (TERM, then KILL) on exit."""
    var_dir = Path(tempfile.mkdtemp(prefix="exitentry-bench-"))
    log_path = var_dir / "server.log"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "exitentry.wsgi:application",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            env=server_environment(database_url, var_dir, redis_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port=port, process=process, log_path=log_path)
    try:
        _wait_until_healthy(server, workers)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(var_dir, ignore_errors=True)


def _wait_until_healthy(server: Server, workers: int) -> None:
    """Until the server answers /api/v1/health and every worker listens (see `listening_sockets`)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/v1/health", headers={"X-Forwarded-Proto": "https"}
    )
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise CommandError(f"The server stopped while starting:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                healthy = response.status == 200
            listening = listening_sockets(server.port)
            if healthy and (listening is None or listening >= workers):
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise CommandError(
        f"The server did not answer /api/v1/health within {SERVER_START_TIMEOUT_SECONDS:.0f} s:\n"
        + server.log_tail()
    )


def listening_sockets(port: int) -> int | None:
    """How many sockets listen on `port`, from the kernel's tables; None where there are none (not Linux).

    On Linux granian gives each worker a listening socket of its own (SO_REUSEPORT), opened once
    the worker has loaded the application, and the kernel spreads new connections over the
    sockets that exist. A worker still loading gets none, and keep-alive clients stay where they
    landed: a turn started then is served by fewer workers (seen as one turn at two thirds of the
    others' rate, always the first: the measured endpoint's, never the reference's).
    """
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not any(table.exists() for table in tables):
        return None
    count = 0
    for table in tables:
        try:
            rows = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            # sl local_address rem_address st ...; the address is hex "IP:PORT", 0A is LISTEN.
            fields = row.split()
            if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------------------------
# The database


def database_url_for_settings() -> str | None:
    return os.environ.get("DATABASE_URL") or None


def _is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


def ensure_database(url: str) -> bool:
    """Create the database `url` names if it does not exist. Returns True when it was created.

    Runs started at once may all try: exactly one creates it. PostgreSQL reports the losers'
    CREATE as DuplicateDatabase, or as a UniqueViolation on pg_database when the two overlap.
    """
    import psycopg
    from psycopg import errors, sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise CommandError("The database URL names no database.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except (errors.DuplicateDatabase, errors.UniqueViolation):
                return False
            except errors.InsufficientPrivilege:
                # A role that may not create databases may still use one that exists.
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    return False
                raise
            return True
    except psycopg.Error as error:
        raise CommandError(f"Could not reach or create the database {name!r}: {error}") from error


def psycopg_conninfo(url: str) -> str:
    """psycopg takes postgres:// URLs; `postgresql://` is the spelling it documents."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


# ---------------------------------------------------------------------------------------------
# Data


@dataclass
class BookingData:
    run: str
    point_id: int
    reference_point_id: int
    slot_ids: list[int]
    reference_slot_ids: list[int]
    tokens: list[str]  # API token of person i (the server side)
    reference_user_ids: list[int]


def _bench_policy_and_hall(run: str, suffix: str, today: dt.date) -> Any:
    from exitentry.appointments.models import BookingPolicy
    from exitentry.catalog.models import City
    from exitentry.servicepoints.models import (
        CalendarRule,
        OpeningHours,
        ServicePoint,
        Skill,
    )
    from exitentry.servicepoints.models import (
        Counter as HallCounter,
    )

    city = City.objects.order_by("code").first()
    if city is None:
        raise CommandError("The database has no cities: is the catalog reference data loaded?")
    code = f"bench-{run}{suffix}"
    names = {language: f"Benchmark hall {code}" for language in ("zh-hans", "en", "ru", "ja", "ko")}
    point = ServicePoint.objects.create(
        code=code,
        city=city,
        names=names,
        addresses=names,
        latitude=city.latitude or Decimal("36.651200"),
        longitude=city.longitude or Decimal("117.120100"),
        calendar_rule=CalendarRule.WORKING_DAYS,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(service_point=point, weekday=weekday, opens=dt.time(8, 0), closes=dt.time(20, 0))
        for weekday in range(7)
    )
    HallCounter.objects.create(service_point=point, number="1", skills=[Skill.CITIZENS_DOCUMENTS])
    BookingPolicy.objects.create(
        service_point=point,
        days_ahead=30,
        release_time=dt.time(0, 0),
        max_active_per_account=3,
        # Every client comes from 127.0.0.1: a per-address limit would measure the limit.
        requests_per_ip_per_minute=1_000_000_000,
        effective_from=today,
        note=f"Benchmark run {run}",
    )
    return point


def _ladder_slots(point: Any, count: int, capacity: int) -> list[int]:
    """`count` one-minute slots from tomorrow on, on days the hall is open, earliest first."""
    from exitentry.core import clock
    from exitentry.servicepoints.models import Skill, Slot
    from exitentry.servicepoints.services import day_hours

    slots: list[Slot] = []
    day = clock.today()
    while len(slots) < count:
        day += dt.timedelta(days=1)
        if day > clock.today() + dt.timedelta(days=29):
            raise CommandError(
                f"Not enough open days in the next 4 weeks for {count} slots; "
                "lower --seconds or raise --capacity."
            )
        hours = day_hours(point, day)
        if not hours.open:
            continue
        for opens, closes in hours.spans():
            moment = opens
            while moment + dt.timedelta(minutes=1) <= closes and len(slots) < count:
                slots.append(
                    Slot(
                        service_point=point,
                        skill=Skill.CITIZENS_DOCUMENTS,
                        start=moment,
                        end=moment + dt.timedelta(minutes=1),
                        capacity=capacity,
                    )
                )
                moment += dt.timedelta(minutes=1)
    created = Slot.objects.bulk_create(slots, batch_size=2000)
    return [slot.pk for slot in created]


def _insert_series(model: Any, count: int, expressions: dict[str, tuple[str, list[Any]]]) -> list[int]:
    """INSERT `count` rows of `model` in one statement (generate_series `g` = 0…count-1).

    Columns not in `expressions` get the field's default, NULL or ''. Tens of thousands of
    accounts take a fraction of a second this way instead of many seconds through the ORM.
    """
    from django.db import models as django_models

    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.attname in expressions:
            sql, extra = expressions[model_field.attname]
            values.append(sql)
            params.extend(extra)
        elif model_field.has_default():
            values.append("%s")
            params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
        elif model_field.null:
            values.append("NULL")
        elif isinstance(model_field, django_models.CharField | django_models.TextField):
            values.append("''")
        else:
            raise CommandError(f"The benchmark cannot fill {model._meta.label}.{model_field.name}.")
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)}"  # noqa: S608 - names from the model
            " FROM generate_series(0, %s) AS g ORDER BY g RETURNING id",
            [*params, count - 1],
        )
        return [row[0] for row in cursor.fetchall()]


def _people(run: str, prefix: str, count: int, *, with_tokens: bool) -> tuple[list[int], list[str]]:
    """`count` accounts (bench-<run>-<prefix><n>) and, when asked, an API token for each."""
    from exitentry.accounts.models import ApiToken, User
    from exitentry.core import clock

    ids = _insert_series(
        User,
        count,
        {
            "username": ("%s || g::text", [f"bench-{run}-{prefix}"]),
            "password": ("%s", ["!"]),  # unusable: these accounts sign in with their token only
        },
    )
    tokens: list[str] = []
    if with_tokens:
        secret = secrets.token_urlsafe(18)
        tokens = [f"{secret}{index}" for index in range(count)]
        now = clock.now()
        table = connection.ops.quote_name(ApiToken._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key_hash, created_at, expires_at)"  # noqa: S608 - model table
                " SELECT u.id, encode(sha256(convert_to(%s || (u.n - 1)::text, 'UTF8')), 'hex'), %s, %s"
                " FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(id, n)",
                [secret, now, now + dt.timedelta(hours=2), ids],
            )
    return ids, tokens


def prepare_booking(
    run: str, *, clients: int, seconds: float, warmup: float, capacity: int, hot: int
) -> BookingData:
    from exitentry.audit.services import record_event
    from exitentry.core import clock

    duration = seconds + warmup
    server_people = clients + math.ceil(duration * SERVER_PEOPLE_PER_SECOND)
    reference_people = clients + math.ceil(duration * REFERENCE_PEOPLE_PER_SECOND)
    with transaction.atomic():
        point = _bench_policy_and_hall(run, "", clock.today())
        reference_point = _bench_policy_and_hall(run, "-reference", clock.today())
        slot_ids = _ladder_slots(point, math.ceil(server_people / capacity) + hot, capacity)
        reference_slot_ids = _ladder_slots(
            reference_point, math.ceil(reference_people / capacity) + hot, capacity
        )
        _ids, tokens = _people(run, "p", server_people, with_tokens=True)
        reference_user_ids, _tokens = _people(run, "r", reference_people, with_tokens=False)
        record_event(
            "bench.prepared",
            actor="bench",
            object_type="servicepoints.servicepoint",
            object_id=point.pk,
            run=run,
            slots=len(slot_ids) + len(reference_slot_ids),
            people=server_people + reference_people,
        )
    return BookingData(
        run, point.pk, reference_point.pk, slot_ids, reference_slot_ids, tokens, reference_user_ids
    )


def _unused_resident_ids(count: int) -> list[tuple[str, dt.date]]:
    """`count` valid resident ID numbers (with their birth dates) that no person has yet."""
    from exitentry.identity.demo import make_resident_id
    from exitentry.identity.models import Person

    chooser = random.Random()  # noqa: S311 - test data, not secrets
    found: dict[str, dt.date] = {}
    while len(found) < count:
        candidates: dict[str, dt.date] = {}
        for _attempt in range(count - len(found)):
            birth_date = dt.date(1950, 1, 1) + dt.timedelta(days=chooser.randrange(20_000))
            candidates[make_resident_id("370102", birth_date, chooser.randrange(500), "M")] = birth_date
        taken = set(Person.objects.filter(id_number__in=list(candidates)).values_list("id_number", flat=True))
        found.update((number, day) for number, day in candidates.items() if number not in taken)
    return list(found.items())[:count]


def prepare_tracking(run: str) -> list[str]:
    """Applications (one person, one item with its history) to look up; their tracking paths."""
    from exitentry.accounts.models import User
    from exitentry.applications import numbering
    from exitentry.applications.models import Application, ApplicationItem, ItemEvent
    from exitentry.audit.services import record_event
    from exitentry.catalog.models import Service
    from exitentry.core import clock
    from exitentry.identity.models import Person

    service = Service.objects.select_related("document_type").get(code=SERVICE)
    now = clock.now()
    today = clock.today()
    with transaction.atomic():
        point = _bench_policy_and_hall(run, "", today)
        account = User.objects.create(username=f"bench-{run}-tracker", password="!")
        numbers: list[str] = []
        while len(numbers) < TRACKED_APPLICATIONS:
            number = numbering.new_number(today)
            if number not in numbers and not Application.objects.filter(number=number).exists():
                numbers.append(number)
        people = Person.objects.bulk_create(
            Person(
                full_name=f"Bench {run} {index}",
                id_number=id_number,
                birth_date=birth_date,
                sex="M",
                phone=f"139{index:08d}",
            )
            for index, (id_number, birth_date) in enumerate(_unused_resident_ids(TRACKED_APPLICATIONS))
        )
        applications = Application.objects.bulk_create(
            Application(
                number=number,
                submitted_by=account,
                person=person,
                full_name=person.full_name,
                id_number=person.id_number or "",
                birth_date=person.birth_date,
                sex=person.sex,
                phone=person.phone,
                in_province=True,
                channel="online",
                delivery_method="pickup",
                pickup_point=point,
                service_point=point,
                total_fee=Decimal("120.00"),
                idempotency_key=f"bench-{run}-{index}",
                request_fingerprint="-",
                created_at=now,
                submitted_at=now,
                accepted_at=now,
            )
            for index, (person, number) in enumerate(zip(people, numbers, strict=True))
        )
        items = ApplicationItem.objects.bulk_create(
            ApplicationItem(
                application=application,
                person=application.person,
                service=service,
                service_code=service.code,
                document_type=service.document_type.code,
                reason=service.reason,
                standard_fee=Decimal("120.00"),
                fee=Decimal("120.00"),
                status="under_review",
                accepted_on=today,
                promised_date=today + dt.timedelta(days=10),
                promise_rule="citizens.in_province",
                promise_amount=7,
                promise_unit="working_days",
                updated_at=now,
            )
            for application in applications
        )
        events = []
        for item in items:
            for before, after in (("draft", "submitted"), ("submitted", "paid"), ("paid", "under_review")):
                events.append(ItemEvent(item=item, from_status=before, to_status=after, action=after, at=now))
        ItemEvent.objects.bulk_create(events, batch_size=2000)
        record_event(
            "bench.prepared",
            actor="bench",
            object_type="applications.application",
            run=run,
            applications=len(applications),
        )
    return [
        "/api/v1/track?" + urlencode({"number": application.number, "id_last4": application.id_number[-4:]})
        for application in applications
    ]


def booking_violations(data: BookingData) -> dict[str, int]:
    """Counted in the database after the run: places sold beyond capacity, people booked twice."""
    slots = tuple(data.slot_ids)
    reference = tuple(data.reference_slot_ids)
    with connection.cursor() as cursor:

        def oversold(ids: tuple[int, ...]) -> int:
            cursor.execute(
                """
                SELECT count(*) FROM servicepoints_slot s
                LEFT JOIN (
                    SELECT slot_id, count(*) AS active FROM appointments_appointment
                    WHERE slot_id = ANY(%s) AND status IN ('booked', 'checked_in') GROUP BY slot_id
                ) a ON a.slot_id = s.id
                WHERE s.id = ANY(%s) AND (s.booked > s.capacity OR coalesce(a.active, 0) > s.capacity)
                """,
                [list(ids), list(ids)],
            )
            return int(cursor.fetchone()[0])

        def mismatched(ids: tuple[int, ...]) -> int:
            cursor.execute(
                """
                SELECT count(*) FROM servicepoints_slot s
                LEFT JOIN (
                    SELECT slot_id, count(*) AS active FROM appointments_appointment
                    WHERE slot_id = ANY(%s) AND status IN ('booked', 'checked_in') GROUP BY slot_id
                ) a ON a.slot_id = s.id
                WHERE s.id = ANY(%s) AND s.booked <> coalesce(a.active, 0)
                """,
                [list(ids), list(ids)],
            )
            return int(cursor.fetchone()[0])

        def doubled(ids: tuple[int, ...]) -> int:
            cursor.execute(
                """
                SELECT count(*) FROM (
                    SELECT user_id FROM appointments_appointment
                    WHERE slot_id = ANY(%s) AND status IN ('booked', 'checked_in')
                    GROUP BY user_id, service_code HAVING count(*) > 1
                ) twice
                """,
                [list(ids)],
            )
            return int(cursor.fetchone()[0])

        def booked(ids: tuple[int, ...]) -> int:
            cursor.execute(
                "SELECT coalesce(sum(booked), 0) FROM servicepoints_slot WHERE id = ANY(%s)", [list(ids)]
            )
            return int(cursor.fetchone()[0])

        return {
            "oversold": oversold(slots),
            "double_booked": doubled(slots),
            "booked_counter_mismatch": mismatched(slots),
            "places_booked": booked(slots),
            "reference_oversold": oversold(reference),
            "reference_places_booked": booked(reference),
        }


# ---------------------------------------------------------------------------------------------
# The raw-SQL reference


def _base36(number: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    for _position in range(width):
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text


@dataclass
class ReferenceCrowd:
    """The raw-SQL reference's slots, people and appointment codes, carried from one round to the next."""

    ladder: Ladder
    people: People
    sequences: dict[int, int]  # the last code number each thread used

    @classmethod
    def for_data(cls, data: BookingData, hot: int) -> ReferenceCrowd:
        return cls(Ladder(data.reference_slot_ids, hot, seed=2), People(len(data.reference_user_ids)), {})


def reference_booking(
    url: str,
    data: BookingData,
    *,
    clients: int,
    connections: int,
    warmup: float,
    seconds: float,
    crowd: ReferenceCrowd,
) -> Tally:
    """The booking statements alone, as the server would run them with the same shape.

    `clients` threads (the same number as HTTP clients) share `connections` database connections
    (as many as the server's workers × threads hold); each transaction is
    `UPDATE slot SET booked = booked + 1 WHERE id = ? AND booked < capacity` and, when a row
    changed, `INSERT` the appointment. A latency runs from asking for a connection to COMMIT.
    `crowd` carries the slots filled and the people served over from an earlier round.
    """
    import psycopg

    ladder, people = crowd.ladder, crowd.people
    tally = Tally(seconds=seconds)
    tally_lock = threading.Lock()
    failures: list[BaseException] = []
    pool: queue.Queue[Any] = queue.Queue()
    opened = [psycopg.connect(psycopg_conninfo(url), autocommit=False) for _connection in range(connections)]
    for conn in opened:
        pool.put(conn)
    start = time.perf_counter()
    window_start, window_end = start + warmup, start + warmup + seconds

    def worker(index: int) -> None:
        try:
            person = people.take()
            sequence = crowd.sequences.get(index, 0)
            while person is not None and time.perf_counter() < window_end:
                position = ladder.pick()
                if position is None:
                    return
                sequence += 1
                sent = time.perf_counter()
                conn = pool.get()
                try:
                    with conn.transaction(), conn.cursor() as cursor:
                        cursor.execute(
                            "UPDATE servicepoints_slot SET booked = booked + 1"
                            " WHERE id = %s AND booked < capacity",
                            (ladder.slot_ids[position],),
                        )
                        taken = cursor.rowcount == 1
                        if taken:
                            now = dt.datetime.now(dt.UTC)
                            cursor.execute(
                                "INSERT INTO appointments_appointment"
                                " (code, user_id, slot_id, service_code, status, booked_at, updated_at)"
                                " VALUES (%s, %s, %s, %s, 'booked', %s, %s)",
                                (
                                    f"R{data.run[-4:]}{_base36(index, 2)}{_base36(sequence, 5)}",
                                    data.reference_user_ids[person],
                                    ladder.slot_ids[position],
                                    SERVICE,
                                    now,
                                    now,
                                ),
                            )
                finally:
                    pool.put(conn)
                finished = time.perf_counter()
                if taken:
                    person = people.take()
                else:
                    ladder.mark_full(position)
                if window_start <= sent < window_end:
                    with tally_lock:
                        tally.record((finished - sent) * 1000.0, "201" if taken else "409 slot_full", True)
            crowd.sequences[index] = sequence
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=warmup + seconds + 60)
    finally:
        for conn in opened:
            conn.close()
    if failures:
        raise CommandError(f"The raw-SQL reference failed: {failures[0]!r}")
    return tally


# ---------------------------------------------------------------------------------------------
# The command


def _phase_figures(tally: Tally) -> dict[str, Any]:
    return {
        "throughput_per_s": round(tally.per_second, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 0.50), 1),
        "p99_ms": round(percentile(tally.latencies_ms, 0.99), 1),
        "errors": tally.errors,
        "requests": tally.completed,
        "outcomes": dict(sorted(tally.outcomes.items())),
    }


def _turn(name: str, part: Tally) -> dict[str, Any]:
    """One turn's rate, kept in the results: a turn far from its kind's others shows a disturbed run."""
    return {"of": name, "per_s": round(part.per_second, 1), "requests": part.completed}


class Command(BaseCommand):
    help = (
        "Benchmark the real server on PostgreSQL: booking (with oversold and double-booking checks "
        "against a raw-SQL reference) or tracking (against a minimal endpoint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--clients", type=int, default=200, help="Concurrent clients (1–1000).")
        parser.add_argument("--seconds", type=float, default=10.0, help="Measured seconds (1–600).")
        parser.add_argument(
            "--database-url",
            help="A PostgreSQL database of the benchmark's own (created if missing). Default: DATABASE_URL.",
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
        parser.add_argument("--warmup", type=float, default=2.0, help="Seconds run first and not counted.")
        parser.add_argument(
            "--think-ms",
            type=float,
            default=0.0,
            help="Mean pause of each client after an answer (0: ask again at once, the most load).",
        )
        parser.add_argument(
            "--paced-think-ms",
            type=float,
            default=PACED_THINK_MS,
            help=(
                "Booking: after the run as fast as answers come, the same clients for as long again, "
                "each pausing this mean time after an answer; its p99 is the one judged against the "
                "target (0: no paced phase, the p99 of the first phase is judged)."
            ),
        )
        parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
        parser.add_argument(
            "--threads",
            type=int,
            default=DEFAULT_THREADS,
            help=(
                f"Threads (and database connections) per worker; {DEFAULT_THREADS}, as `exitentry serve`"
                " (docs/adr/0017)."
            ),
        )
        parser.add_argument("--capacity", type=int, default=10, help="Places per slot (booking).")
        parser.add_argument(
            "--items", type=int, default=10_000_000, help="Application items of synthetic history (insight)."
        )
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each query (insight).")
        parser.add_argument(
            "--visits", type=int, default=20, help="Instant-endorsement visits timed (kiosk)."
        )
        parser.add_argument(
            "--reuse-history",
            action="store_true",
            help="Insight: time the queries on an earlier run's history of as many items.",
        )
        parser.add_argument(
            "--hot-slots", type=int, default=4, help="Slots wanted at the same moment (booking)."
        )
        parser.add_argument(
            "--reference-connections",
            type=int,
            default=0,
            help="Connections shared by the reference's --clients threads (default: workers × threads).",
        )
        parser.add_argument("--redis-url", default="", help="Cache for the server (needs the redis package).")
        parser.add_argument(
            "--results-dir",
            default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"),
            help="Where to write <kind>-<timestamp>.json.",
        )
        parser.add_argument(
            "--allow-shared-database",
            action="store_true",
            help="Run even though the database holds service points the benchmark did not create.",
        )

    def _step(self, message: str) -> None:
        """Progress on stderr (stdout stays one JSON object with --json)."""
        if self.verbosity >= 1:
            self.stderr.write(f"[{time.monotonic() - self.started:6.1f} s] {message}")

    def handle(self, *args: Any, **options: Any) -> None:
        self.started = time.monotonic()
        self.load_at_start = os.getloadavg()[0]
        self.verbosity = int(options.get("verbosity", 1))
        self._check_options(options)
        url = options["database_url"] or database_url_for_settings()
        if not url or not _is_postgres_url(url):
            raise CommandError("The benchmark needs PostgreSQL: give --database-url postgres://…/<database>.")
        if options["database_url"] and options["database_url"] != os.environ.get("DATABASE_URL"):
            self._rerun_with_database(url, options)
            return
        if not connection.vendor == "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: give --database-url postgres://…/<database>.")
        self._step("Bringing the database schema up to date…")
        call_command("migrate", interactive=False, verbosity=0)
        self._refuse_shared_database(options["allow_shared_database"])
        run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
        if options["kind"] == "insight":
            from exitentry.insight.bench import run_insight_bench

            result = run_insight_bench(
                items=options["items"],
                repeat=options["repeat"],
                step=self._step,
                machine=lambda: {**self._machine(options), "server": "in-process (no HTTP)"},
                reuse=options["reuse_history"],
            )
        elif options["kind"] == "kiosk":
            from exitentry.kiosk.bench import run_kiosk_bench

            result = run_kiosk_bench(
                run=run,
                visits=options["visits"],
                step=self._step,
                machine=lambda: {**self._machine(options), "server": "in-process (no HTTP)"},
            )
        elif options["kind"] == "booking":
            result = self._bench_booking(url, run, options)
        else:
            result = self._bench_tracking(url, run, options)
        path = self._save(result, options)
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self._print_readable(result, path)

    # --- plumbing ---------------------------------------------------------------------------

    def _check_options(self, options: dict[str, Any]) -> None:
        limits = {
            "clients": (1, 1000),
            "seconds": (1, 600),
            "warmup": (0, 60),
            "think_ms": (0, 60_000),
            "paced_think_ms": (0, 60_000),
            "workers": (1, 16),
            "threads": (1, 64),
            "capacity": (1, 10_000),
            "hot_slots": (1, 100),
            "reference_connections": (0, 90),
            "items": (1_000, 100_000_000),
            "repeat": (1, 50),
            "visits": (1, 1000),
        }
        for name, (low, high) in limits.items():
            value = options[name]
            if not low <= value <= high:
                raise CommandError(f"--{name.replace('_', '-')} must be between {low} and {high}.")
        if options["workers"] * options["threads"] > 90:
            raise CommandError(
                "--workers × --threads must be at most 90: each thread holds a database connection."
            )

    def _rerun_with_database(self, url: str, options: dict[str, Any]) -> None:
        """Run again in a child whose settings point at `url` (migrations, ORM and checks use it)."""
        if ensure_database(url):
            self.stderr.write(f"Created the database {urlsplit(url).path.lstrip('/')}; migrating it (once).")
        argv = [sys.executable, "-m", "exitentry", "bench", options["kind"]]
        for name in (
            "clients",
            "seconds",
            "warmup",
            "think_ms",
            "paced_think_ms",
            "workers",
            "threads",
            "capacity",
            "hot_slots",
            "reference_connections",
            "items",
            "repeat",
            "redis_url",
            "results_dir",
        ):
            argv += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["json"]:
            argv.append("--json")
        if options["allow_shared_database"]:
            argv.append("--allow-shared-database")
        if options["reuse_history"]:
            argv.append("--reuse-history")
        env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        env.update(
            {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "exitentry.settings",
                "EXITENTRY_ENV": "development",
                "DEBUG": "false",
            }
        )
        completed = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        self.stdout.write(completed.stdout, ending="")
        if completed.returncode != 0:
            last = (
                completed.stderr.strip().splitlines()[-1]
                if completed.stderr.strip()
                else "the benchmark failed"
            )
            raise CommandError(last.removeprefix("CommandError: "))
        if completed.stderr:
            self.stderr.write(completed.stderr, ending="")

    def _refuse_shared_database(self, allowed: bool) -> None:
        from exitentry.servicepoints.models import ServicePoint

        foreign = ServicePoint.objects.exclude(code__startswith="bench-").count()
        if foreign and not allowed:
            raise CommandError(
                f"This database has {foreign} service points the benchmark did not create: it looks like a "
                "real or demo database. Use a database of the benchmark's own (--database-url …/<name>), "
                "or pass --allow-shared-database."
            )

    def _save(self, result: dict[str, Any], options: dict[str, Any]) -> Path:
        folder = Path(options["results_dir"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"{result['kind']}-{stamp}.json"
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return path

    def _machine(self, options: dict[str, Any]) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return {
            "cpus": os.cpu_count(),
            # Other work on the machine skews every figure: 1-minute load average at start and end.
            "load_average": [round(self.load_at_start, 2), round(os.getloadavg()[0], 2)],
            "python": platform.python_version(),
            "postgresql": version,
            "server": f"granian wsgi, {options['workers']} workers × {options['threads']} threads",
        }

    # --- booking ------------------------------------------------------------------------------

    def _bench_booking(self, url: str, run: str, options: dict[str, Any]) -> dict[str, Any]:
        clients, seconds, warmup = options["clients"], options["seconds"], options["warmup"]
        hot, think, paced_think = options["hot_slots"], options["think_ms"], options["paced_think_ms"]
        # The reference gets as many connections as the server's pool holds (workers × threads).
        connections = min(
            options["reference_connections"] or options["workers"] * options["threads"], clients
        )
        self._step("Preparing halls, slots and accounts…")
        phases = 2 if paced_think > 0 else 1
        data = prepare_booking(
            run,
            clients=clients,
            seconds=seconds * phases,
            warmup=warmup * phases,
            capacity=options["capacity"],
            hot=hot,
        )
        self._step(
            f"Prepared {len(data.slot_ids)} slots and {len(data.tokens)} accounts; starting the server…"
        )
        ladder = Ladder(data.slot_ids, hot, seed=1)
        people = People(len(data.tokens))
        with running_server(
            url, workers=options["workers"], threads=options["threads"], redis_url=options["redis_url"]
        ) as server:
            self._step(
                f"Server up on port {server.port}; {clients} clients booking for {warmup:g} + {seconds:g} s…"
            )
            workload = BookingWorkload(f"127.0.0.1:{server.port}", run, ladder, data.tokens, people)
            # The server and the raw-SQL reference take turns, so that a change in the machine's
            # speed (a shared virtual machine's comes and goes) hits both alike.
            tally, reference = Tally(seconds=seconds), Tally(seconds=seconds)
            crowd = ReferenceCrowd.for_data(data, hot)
            turns: list[dict[str, Any]] = []
            for round_number in range(BOOKING_ROUNDS):
                first = round_number == 0
                if not workload.stopped:
                    workload.person.clear()  # a new crowd each round, as in the paced phase
                    part = asyncio.run(
                        drive(
                            server.port,
                            workload,
                            clients=clients,
                            warmup=warmup if first else 0.0,
                            seconds=seconds / BOOKING_ROUNDS,
                            think_ms=think,
                        )
                    )
                    tally.merge(part)
                    turns.append(_turn("server", part))
                self._step(f"Raw-SQL reference, round {round_number + 1} of {BOOKING_ROUNDS}…")
                part = reference_booking(
                    url,
                    data,
                    clients=clients,
                    connections=connections,
                    warmup=warmup if first else 0.0,
                    seconds=seconds / BOOKING_ROUNDS,
                    crowd=crowd,
                )
                reference.merge(part)
                turns.append(_turn("reference", part))
            paced: Tally | None = None
            if paced_think > 0 and not workload.stopped:
                self._step(f"Paced: the same clients, each pausing ~{paced_think:g} ms after an answer…")
                workload.person.clear()  # a new crowd: nobody carries a half-finished booking over
                paced = asyncio.run(
                    drive(
                        server.port,
                        workload,
                        clients=clients,
                        warmup=warmup,
                        seconds=seconds,
                        think_ms=paced_think,
                    )
                )
        exhausted = workload.stopped
        self._step("Server stopped; counting oversold places and double bookings…")
        checks = booking_violations(data)
        figures = _phase_figures(tally)
        reference_figures = _phase_figures(reference)
        ratio = tally.per_second / reference.per_second if reference.per_second else 0.0
        result: dict[str, Any] = {
            "clients": clients,
            "seconds": seconds,
            "throughput_per_s": figures["throughput_per_s"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "errors": figures["errors"],
            "oversold": checks["oversold"],
            "reference_per_s": reference_figures["throughput_per_s"],
            "ratio": round(ratio, 3),
            "double_booked": checks["double_booked"],
            "kind": "booking",
            "run": run,
            "booked_per_s": round(tally.count("201") / seconds, 1),
            "reference_booked_per_s": round(reference.count("201") / seconds, 1),
            "requests": figures["requests"],
            "outcomes": figures["outcomes"],
            "reference": {
                "threads": clients,
                "connections": connections,
                "p50_ms": reference_figures["p50_ms"],
                "p99_ms": reference_figures["p99_ms"],
                "requests": reference_figures["requests"],
                "outcomes": reference_figures["outcomes"],
                "oversold": checks["reference_oversold"],
            },
            "checks": checks,
            "turns": turns,
            "ladder": {"capacity": options["capacity"], "hot_slots": hot, "exhausted": exhausted},
            "rounds": BOOKING_ROUNDS,
            "warmup_seconds": warmup,
            "think_ms": options["think_ms"],
            "machine": self._machine(options),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        # The p99 target is judged on the paced phase when there is one: in the first phase every
        # client asks again the moment it is answered, so by Little's law its mean latency is
        # clients ÷ throughput whatever the server does (benchmarks/README.md).
        judged_p99 = result["p99_ms"]
        if paced is not None:
            paced_figures = _phase_figures(paced)
            result["paced"] = {
                "think_ms": paced_think,
                "throughput_per_s": paced_figures["throughput_per_s"],
                "booked_per_s": round(paced.count("201") / seconds, 1),
                "p50_ms": paced_figures["p50_ms"],
                "p99_ms": paced_figures["p99_ms"],
                "errors": paced_figures["errors"],
                "requests": paced_figures["requests"],
                "outcomes": paced_figures["outcomes"],
            }
            judged_p99 = paced_figures["p99_ms"]
            result["errors"] += paced_figures["errors"]
        result["targets"] = {
            "ratio": result["ratio"] >= TARGETS["booking"]["ratio"],
            "p99": judged_p99 < TARGETS["booking"]["p99_ms"],
            "p99_judged_ms": judged_p99,
            "p99_from": "paced" if paced is not None else "as fast as answers come",
            "safety": result["oversold"] == 0 and result["double_booked"] == 0 and result["errors"] == 0,
        }
        result["target_met"] = all(result["targets"][name] for name in ("ratio", "p99", "safety"))
        return result

    # --- tracking -----------------------------------------------------------------------------

    def _bench_tracking(self, url: str, run: str, options: dict[str, Any]) -> dict[str, Any]:
        clients, seconds, warmup = options["clients"], options["seconds"], options["warmup"]
        think = options["think_ms"]
        self._step("Preparing applications to track…")
        paths = prepare_tracking(run)
        self._step("Starting the server…")
        with running_server(
            url, workers=options["workers"], threads=options["threads"], redis_url=options["redis_url"]
        ) as server:
            host = f"127.0.0.1:{server.port}"
            self._step(
                f"Server up on port {server.port}; tracking and health in turns, "
                f"{TRACKING_ROUNDS} × {seconds / TRACKING_ROUNDS:g} s each…"
            )
            # In turns, so that a change in the machine's load hits both alike.
            tracking, health = Tally(seconds=seconds), Tally(seconds=seconds)
            turns: list[dict[str, Any]] = []
            for round_number in range(TRACKING_ROUNDS):
                for name, tally, workload in (
                    ("tracking", tracking, LookupWorkload(host, paths)),
                    ("health", health, LookupWorkload(host, ["/api/v1/health"])),
                ):
                    part = asyncio.run(
                        drive(
                            server.port,
                            workload,
                            clients=clients,
                            warmup=warmup if round_number == 0 else 0.0,
                            seconds=seconds / TRACKING_ROUNDS,
                            think_ms=think,
                        )
                    )
                    tally.merge(part)
                    turns.append(_turn(name, part))
        figures = _phase_figures(tracking)
        reference_figures = _phase_figures(health)
        ratio = tracking.per_second / health.per_second if health.per_second else 0.0
        result: dict[str, Any] = {
            "clients": clients,
            "seconds": seconds,
            "throughput_per_s": figures["throughput_per_s"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "errors": figures["errors"],
            "oversold": None,
            "reference_per_s": reference_figures["throughput_per_s"],
            "ratio": round(ratio, 3),
            "kind": "tracking",
            "run": run,
            "endpoint": "GET /api/v1/track",
            "requests": figures["requests"],
            "outcomes": figures["outcomes"],
            "reference": {
                "endpoint": "GET /api/v1/health",
                "p50_ms": reference_figures["p50_ms"],
                "p99_ms": reference_figures["p99_ms"],
                "requests": reference_figures["requests"],
                "errors": reference_figures["errors"],
                "outcomes": reference_figures["outcomes"],
            },
            "turns": turns,
            "warmup_seconds": warmup,
            "think_ms": options["think_ms"],
            "machine": self._machine(options),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        result["target_met"] = result["errors"] == 0 and result["ratio"] >= TARGETS["tracking"]["ratio"]
        return result

    # --- output -------------------------------------------------------------------------------

    def _print_readable(self, result: dict[str, Any], path: Path) -> None:
        if result["kind"] == "insight":
            from exitentry.insight.bench import readable

            self.stdout.write(readable(result, path))
            return
        if result["kind"] == "kiosk":
            from exitentry.kiosk.bench import readable as kiosk_readable

            self.stdout.write(kiosk_readable(result, path))
            return
        lines = [
            f"{result['kind']}: {result['clients']} clients for {result['seconds']:g} s",
            f"  throughput      {result['throughput_per_s']:>10.1f} requests/s",
            f"  latency p50/p99 {result['p50_ms']:>10.1f} / {result['p99_ms']:.1f} ms",
            f"  errors          {result['errors']:>10d}",
        ]
        if result["kind"] == "booking":
            lines += [
                f"  booked          {result['booked_per_s']:>10.1f} places/s",
                f"  oversold        {result['oversold']:>10d}",
                f"  double booked   {result['double_booked']:>10d}",
                f"  raw SQL         {result['reference_per_s']:>10.1f} requests/s "
                f"({result['reference_booked_per_s']:.1f} places/s)",
            ]
            if "paced" in result:
                paced = result["paced"]
                lines.append(
                    f"  paced (~{paced['think_ms']:g} ms)  {paced['throughput_per_s']:>7.1f} requests/s, "
                    f"p50/p99 {paced['p50_ms']:.1f} / {paced['p99_ms']:.1f} ms (the p99 judged)"
                )
        else:
            lines.append(f"  health endpoint {result['reference_per_s']:>10.1f} requests/s")
        lines += [
            f"  ratio           {result['ratio']:>10.3f}",
            f"  outcomes        {result['outcomes']}",
            f"  targets met     {'yes' if result['target_met'] else 'no'}",
            f"  written to      {path}",
        ]
        self.stdout.write("\n".join(lines))
