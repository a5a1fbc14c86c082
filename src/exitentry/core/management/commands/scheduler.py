"""`exitentry scheduler`: enqueue periodic jobs when they are due (run one or more alongside workers)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from exitentry.core.scheduling import discover, enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue registered periodic tasks when due. Safe to run on several hosts at once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron or tests).")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between checks (default 30).")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = discover()
        self.stdout.write(f"{len(jobs)} periodic job(s): {', '.join(sorted(jobs)) or '-'}")
        while True:
            for name in enqueue_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if options["once"]:
                return
            time.sleep(max(1, options["interval"]))
