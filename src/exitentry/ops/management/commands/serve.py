"""`exitentry serve`: the production web server (granian, WSGI, several worker processes)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Threads per worker when WEB_THREADS is unset: a worker's threads share one interpreter lock, and
# on a CPU-bound host two keep its core busy while handing the lock over least (docs/adr/0017).
DEFAULT_THREADS = 2


def default_workers() -> int:
    return int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 1)


def granian_command(options: dict[str, Any]) -> list[str]:
    binary = Path(sys.executable).with_name("granian")
    command = [
        str(binary) if binary.exists() else (shutil.which("granian") or "granian"),
        "--interface",
        "wsgi",
        "--workers",
        str(options["workers"]),
        "--blocking-threads",
        str(options["threads"]),
        "--backlog",
        str(options["backlog"]),
        "--respawn-failed-workers",
        "--workers-kill-timeout",
        "30",
        "--no-access-log",  # RequestContextMiddleware writes one structured line per request
    ]
    if options["uds"]:
        command += ["--uds", options["uds"], "--uds-permissions", "0o660"]
    else:
        command += ["--host", options["host"], "--port", str(options["port"])]
    return [*command, "exitentry.wsgi:application"]


class Command(BaseCommand):
    help = "Serve the site with granian: N WSGI worker processes (default: one per CPU)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
        parser.add_argument(
            "--uds", default=os.environ.get("WEB_UDS", ""), help="Unix socket instead of host:port."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Processes (env WEB_WORKERS; default CPU count).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", str(DEFAULT_THREADS))),
            help=(
                "Threads per process, each with its own database connection"
                f" (env WEB_THREADS; default {DEFAULT_THREADS}, docs/adr/0017)."
            ),
        )
        parser.add_argument("--backlog", type=int, default=int(os.environ.get("WEB_BACKLOG", "2048")))
        parser.add_argument("--print", action="store_true", help="Print the command instead of running it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        command = granian_command(options)
        # Every worker writes its metrics under one directory that /metrics adds up; files of an
        # earlier run would be counted again, so the directory starts empty.
        metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.VAR_DIR / "prometheus")
        if options["print"]:
            self.stdout.write(" ".join(command))
            return
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitentry.settings")
        self.stdout.write(f"starting: {' '.join(command)}")
        sys.stdout.flush()
        os.execv(command[0], command)  # noqa: S606 - our own fixed command line
