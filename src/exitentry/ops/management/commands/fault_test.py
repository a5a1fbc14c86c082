"""`exitentry fault-test`: load and fault test of the production stack (see exitentry/ops/faulttest.py).

    exitentry fault-test                       # ~3 minutes: load with faults, checks, schemathesis
    exitentry fault-test --schemathesis-examples 0 --seconds 30

Needs PostgreSQL's server binaries (a throwaway cluster is started on --pg-port), Redis
(--redis-url, a database number of its own: it is emptied) and root or the `postgres` user.
Exits 1 when a check fails.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exitentry.core.management.commands import bench
from exitentry.ops import faultcheck, faulttest

DATABASE = "exitentry_fault"
PASSED_OPTIONS = (
    "seconds",
    "booking_clients",
    "applicant_clients",
    "web_workers",
    "threads",
    "task_workers",
    "pg_down_seconds",
    "drain_seconds",
    "schemathesis_examples",
    "redis_url",
    "results_dir",
)


class Command(BaseCommand):
    help = (
        "Load and fault test of the production stack on a throwaway PostgreSQL: nothing lost or duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds", type=float, default=45.0, help="Load time; the faults fall inside it."
        )
        parser.add_argument("--booking-clients", type=int, default=30)
        parser.add_argument("--applicant-clients", type=int, default=10)
        parser.add_argument("--web-workers", type=int, default=3, help="granian worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per web worker.")
        parser.add_argument("--task-workers", type=int, default=2, help="`exitentry worker` processes.")
        parser.add_argument("--pg-port", type=int, default=55432, help="Port of the throwaway PostgreSQL.")
        parser.add_argument("--pg-down-seconds", type=float, default=4.0)
        parser.add_argument(
            "--drain-seconds", type=float, default=45.0, help="Time the clients keep retrying."
        )
        parser.add_argument(
            "--schemathesis-examples",
            type=int,
            default=8,
            help="Examples per operation (0: skip schemathesis).",
        )
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9", help="Emptied at the start.")
        parser.add_argument(
            "--results-dir",
            default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"),
            help="Report folder.",
        )
        parser.add_argument("--inside", action="store_true", help="(internal) run against DATABASE_URL")
        parser.add_argument("--cluster-dir", default="", help="(internal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seconds"] < 20:
            raise CommandError("--seconds must be at least 20: the three faults fall inside the load.")
        if options["inside"]:
            self._inside(options)
        else:
            self._outside(options)

    # --- the outer process: the throwaway cluster ---------------------------------------------

    def _outside(self, options: dict[str, Any]) -> None:
        faulttest.log(f"Starting a throwaway PostgreSQL on port {options['pg_port']}…")
        with faulttest.Cluster.running(options["pg_port"]) as cluster:
            url = cluster.url(DATABASE)
            bench.ensure_database(url)
            argv = [
                sys.executable,
                "-m",
                "exitentry",
                "fault-test",
                "--inside",
                "--cluster-dir",
                str(cluster.directory),
            ]
            argv += ["--pg-port", str(options["pg_port"])]
            for name in PASSED_OPTIONS:
                argv += [f"--{name.replace('_', '-')}", str(options[name])]
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("DJANGO_", "EXITENTRY_"))
            }
            env.update(
                {
                    "DATABASE_URL": url,
                    "REDIS_URL": options["redis_url"],
                    "DJANGO_SETTINGS_MODULE": "exitentry.settings",
                    "EXITENTRY_ENV": "development",
                    "EXITENTRY_VAR_DIR": tempfile.mkdtemp(prefix="exitentry-fault-var-"),
                    "DEBUG": "false",
                    "PAYMENTS_SANDBOX_SECRET": secrets.token_hex(faulttest.SANDBOX_SECRET_BYTES),
                    # Keys of the run, shared by this process (which writes the applicants) and
                    # the stack (which reads them); inherited by stack_environment.
                    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                    "FIELD_LOOKUP_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                    "NOTIFICATION_SENDING_TIMEOUT_SECONDS": "5",
                    "NOTIFICATION_RETRY_BASE_SECONDS": "1",
                    "NOTIFICATION_RETRY_MAX_SECONDS": "4",
                }
            )
            completed = subprocess.run(argv, env=env, check=False)  # noqa: S603 - ourselves
            shutil.rmtree(env["EXITENTRY_VAR_DIR"], ignore_errors=True)
        if completed.returncode != 0:
            raise CommandError("The load and fault test failed (see above).")

    # --- the inner process: stack, load, faults, checks ---------------------------------------

    def _inside(self, options: dict[str, Any]) -> None:
        import redis

        started = time.monotonic()
        load_at_start = os.getloadavg()[0]
        redis.Redis.from_url(options["redis_url"]).flushdb()
        faulttest.log("Migrating the throwaway database…")
        call_command("migrate", interactive=False, verbosity=0)
        run = dt.datetime.now(dt.UTC).strftime("%H%M%S") + secrets.token_hex(2)
        seconds = options["seconds"]
        booking_people = options["booking_clients"] + int(seconds * 40)
        applicants = options["applicant_clients"] * int(seconds * 2) + 10
        faulttest.log(f"Preparing {booking_people} people to book and {applicants} applicants…")
        data = faulttest.prepare(run, booking_people=booking_people, applicants=applicants, capacity=5, hot=4)
        cluster = faulttest.Cluster(directory=Path(options["cluster_dir"]), port=options["pg_port"])
        var_dir = Path(tempfile.mkdtemp(prefix="exitentry-fault-stack-"))
        stack = faulttest.Stack(
            env=faulttest.stack_environment(
                os.environ["DATABASE_URL"], options["redis_url"], var_dir, settings.PAYMENTS_SANDBOX_SECRET
            ),
            var_dir=var_dir,
            port=bench.free_port(),
            web_workers=options["web_workers"],
            threads=options["threads"],
        )
        faults: dict[str, Any] = {}
        times = faulttest.FaultTimes(
            web_kill_at=seconds * 0.2,
            task_kill_at=seconds * 0.4,
            pg_down_at=seconds * 0.6,
            pg_down_seconds=options["pg_down_seconds"],
        )
        try:
            faulttest.log(
                f"Starting `exitentry serve` ({options['web_workers']} × {options['threads']}) and "
                f"{options['task_workers']} × `exitentry worker`…"
            )
            stack.start_web()
            for _worker in range(options["task_workers"]):
                stack.start_worker()
            driver = faulttest.Driver(
                stack.port,
                data,
                seconds=seconds,
                drain_seconds=options["drain_seconds"],
            )
            warmed = asyncio.run(driver.warm_up(options["booking_clients"] + options["applicant_clients"]))
            faulttest.log(f"Workers warm after {warmed} s.")
            faulttest.log(
                f"Load for {seconds:g} s: {options['booking_clients']} booking and "
                f"{options['applicant_clients']} applicant clients; faults at {times}"
            )
            asyncio.run(
                driver.run(
                    options["booking_clients"],
                    options["applicant_clients"],
                    lambda: faulttest.inject_faults(driver, stack, cluster, times, faults),
                )
            )
            faulttest.log("Load over; waiting for the task queue and the notifications…")
            settled = faulttest.settle_notifications(data.booking_user_ids + data.applicant_user_ids)
            checks = faulttest.gather(data, driver.log)
            schema_results: dict[str, Any] = {}
            if options["schemathesis_examples"] > 0:
                faulttest.log("schemathesis over /api/v1/openapi.json…")
                schema_results = faulttest.run_schemathesis(
                    stack.port,
                    {"applicant": data.schema_applicant_token, "officer": data.officer_token},
                    examples=options["schemathesis_examples"],
                    out_dir=var_dir,
                )
        finally:
            stack.stop()
        requests = driver.log.requests
        restart = faults.get("postgresql_restarted", {})
        outage = faultcheck.outage_report(
            requests, down_at=restart.get("down_at_s", 0.0), up_at=restart.get("up_at_s", 0.0)
        )
        result: dict[str, Any] = {
            "kind": "fault",
            "run": run,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "setup": (
                f"`exitentry serve` {options['web_workers']} workers × {options['threads']} threads "
                f"(EXITENTRY_ENV=production), {options['task_workers']} × `exitentry worker` (RQ), "
                f"PostgreSQL {self._pg_version()} (throwaway cluster), "
                f"{options['booking_clients']} booking + {options['applicant_clients']} applicant clients "
                f"for {seconds:g} s, "
                f"{os.cpu_count()} CPUs shared (load {load_at_start:.1f}→{os.getloadavg()[0]:.1f})"
            ),
            "faults": faults,
            "load": faulttest.load_figures(requests, seconds),
            "client_outcomes": dict(sorted(driver.log.outcomes.items())),
            "replays": dict(driver.log.replays),
            "outage": outage,
            "server_errors": faultcheck.server_errors(requests),
            "task_queue": settled,
            "checks": checks,
            "schemathesis": schema_results,
            "duration_s": round(time.monotonic() - started, 1),
        }
        failed = [
            kind for kind in ("bookings", "applications", "payments") if not faultcheck.is_clean(checks[kind])
        ]
        if (
            checks["payments"]["acknowledged_orders_not_paid"]
            or checks["payments"]["items_still_waiting_for_payment"]
        ):
            failed.append("paid orders")
        if not faultcheck.counters_clean(checks["slot_counters"]):
            failed.append("slot counters")
        if not faultcheck.notifications_clean(checks["notifications"]):
            failed.append("notifications")
        if not faultcheck.outage_clean(outage):
            failed.append("answers while PostgreSQL was down")
        if result["server_errors"]:
            failed.append("5xx during the load")
        if any(outcome["exit_code"] != 0 for outcome in schema_results.values()):
            failed.append("schemathesis")
        if "web_worker_killed" not in faults or "respawned_after_s" not in faults["web_worker_killed"]:
            failed.append("web worker respawn")
        result["failed"] = failed
        result["passed"] = not failed
        path = faulttest.write_report(result, requests, Path(options["results_dir"]))
        self.stdout.write(path.with_suffix(".md").read_text())
        self.stdout.write(f"written to {path}")
        if failed:
            self.stderr.write(f"Logs of the stack (web, workers, schemathesis reports): {var_dir}")
            sys.exit(1)
        shutil.rmtree(var_dir, ignore_errors=True)

    def _pg_version(self) -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0]).split()[0]
