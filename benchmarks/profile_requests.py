"""CPU and SQL per request, in one process, through the real WSGI application (production settings).

    .venv/bin/python benchmarks/profile_requests.py --database-url postgres://postgres@127.0.0.1:5432/pprof \
        [--redis-url redis://127.0.0.1:6379/11] [--requests 400] [--profile booked|full|track|health]

A wall-clock load test on a shared 2-core machine is noisy; the CPU time a request costs the
server process (time.process_time) and the statements it sends are not. This prepares the same
data as `exitentry bench` (in a database of its own), then calls `exitentry.wsgi.application`
directly, request after request, for four kinds of request: a booking that succeeds (201), a
booking refused because the slot is full (409 slot_full, 80+ % of the rush), a tracking look-up
and /api/v1/health. It prints, per kind, the mean CPU ms and wall ms per request and the SQL
statements per request; `--profile KIND` also prints the top of a cProfile of that kind (CPU
time, not wall time). `--rounds N` measures the kinds in turns N times and prints each kind's
median: the same code measures ±10 % apart from one process to the next (PYTHONHASHSEED moves
it), so compare changes over several processes with fixed seeds.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def configure(database_url: str, redis_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "exitentry.settings",
            "EXITENTRY_ENV": "production",
            "EXITENTRY_VAR_DIR": tempfile.mkdtemp(prefix="exitentry-profile-"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # One process prepares and serves the data: fresh field keys do.
            "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "FIELD_LOOKUP_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "REDIS_URL": redis_url,
            "TRACKING_PER_CLIENT_PER_MINUTE": "1000000000",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    from exitentry.core import crypto

    # The development field keys (production mode has no default), so that data seeded outside
    # production mode stays readable.
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", crypto.development_key("field encryption key 1"))
    os.environ.setdefault("FIELD_LOOKUP_KEY", crypto.development_key("field lookup key"))


def environ_for(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    path_info, _sep, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE",) else f"HTTP_{key}"] = value
    return environ


def call(application: Any, environ: dict[str, Any]) -> int:
    status: list[str] = []

    def start_response(line: str, _headers: list[Any], _exc: Any = None) -> Any:
        status.append(line)
        return lambda _data: None

    result = application(environ, start_response)
    try:
        for _chunk in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0])


def measure(
    name: str, requests: list[Callable[[], dict[str, Any]]], expected: int, application: Any, profile: bool
) -> dict[str, Any]:
    from django.db import connection

    statements = 0

    def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    warm = max(20, len(requests) // 10)
    for make in requests[:warm]:
        call(application, make())
    measured = requests[warm:]
    environs = [make() for make in measured]
    profiler = cProfile.Profile(time.process_time) if profile else None
    statuses: dict[int, int] = {}
    cpu = time.process_time()
    wall = time.perf_counter()
    with connection.execute_wrapper(counting):
        if profiler is not None:
            profiler.enable()
        for environ in environs:
            status = call(application, environ)
            statuses[status] = statuses.get(status, 0) + 1
        if profiler is not None:
            profiler.disable()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    count = len(environs)
    if statuses.get(expected, 0) != count:
        print(f"warning: {name} answered {statuses}, expected {expected} only", file=sys.stderr)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        print(out.getvalue())
    return {
        "kind": name,
        "requests": count,
        "cpu_ms": round(cpu * 1000 / count, 2),
        "wall_ms": round(wall * 1000 / count, 2),
        "sql_per_request": round(statements / count, 2),
        "statuses": statuses,
    }


def _get(path: str) -> Callable[[], dict[str, Any]]:
    return lambda: environ_for("GET", path, {})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", choices=["booked", "full", "track", "health"], default=None)
    parser.add_argument("--only", default="", help="Comma-separated kinds to run (default: all).")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="Measure the kinds in turns this many times and print each kind's median (less noise).",
    )
    options = parser.parse_args()
    configure(options.database_url, options.redis_url)

    from exitentry.core.management.commands.bench import ensure_database

    ensure_database(options.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from exitentry.core.management.commands import bench
    from exitentry.wsgi import application

    run = "prof" + secrets.token_hex(3)
    count = options.requests
    capacity = 10
    data = bench.prepare_booking(
        run, clients=0, seconds=count / 1500 * 2 + 1, warmup=0, capacity=capacity, hot=1
    )
    full_slot = data.slot_ids[-1]
    from exitentry.servicepoints.models import Slot

    Slot.objects.filter(pk=full_slot).update(booked=capacity)
    paths = bench.prepare_tracking(run + "t")

    def booking(person: int, slot: int, key: str) -> Callable[[], dict[str, Any]]:
        body = json.dumps({"slot_id": slot, "service": bench.SERVICE}).encode()
        headers = {
            "Authorization": f"Bearer {data.tokens[person]}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        return lambda: environ_for("POST", "/api/v1/appointments", headers, body)

    kinds: dict[str, tuple[list[Callable[[], dict[str, Any]]], int]] = {
        "booked": (
            [booking(i, data.slot_ids[i // capacity], f"{run}-b{i}") for i in range(count)],
            201,
        ),
        "full": (
            [booking(count + i, full_slot, f"{run}-f{i}") for i in range(count)],
            409,
        ),
        "track": ([_get(paths[i % len(paths)]) for i in range(count)], 200),
        "health": ([_get("/api/v1/health") for _ in range(count)], 200),
    }
    only = [kind for kind in options.only.split(",") if kind] or list(kinds)
    rounds: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds if kind in only}
    for turn in range(options.rounds):
        for kind, (requests, expected) in kinds.items():
            if kind not in only:
                continue
            if turn and kind in ("booked", "full"):
                # A booking is made once: later turns would replay the first answers.
                continue
            profile = options.profile == kind and not turn
            rounds[kind].append(measure(kind, requests, expected, application, profile))
    cpu_ms: dict[str, float] = {}
    for kind, results in rounds.items():
        result = dict(results[0])
        result["rounds"] = len(results)
        result["cpu_ms"] = cpu_ms[kind] = statistics.median(each["cpu_ms"] for each in results)
        result["wall_ms"] = statistics.median(each["wall_ms"] for each in results)
        print(json.dumps(result))
    if "track" in cpu_ms and "health" in cpu_ms:
        print(json.dumps({"health_over_track_cpu": round(cpu_ms["health"] / cpu_ms["track"], 3)}))


if __name__ == "__main__":
    main()
