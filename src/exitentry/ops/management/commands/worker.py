"""`exitentry worker`: run background tasks from the configured django-tasks backend.

RQ (Redis) in production: `rqworker` with the django-tasks job class and RQ's scheduler for
tasks that run later. The database backend otherwise: `db_worker`. Start as many as needed;
each takes one task at a time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def worker_invocation(*, burst: bool = False) -> tuple[str, list[str]]:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq"):
        arguments = [
            "--job-class",
            "django_tasks_rq.backend.Job",
            "--with-scheduler",
            *sorted(settings.RQ_QUEUES),
        ]
        return "rqworker", [*arguments, "--burst"] if burst else arguments
    if backend.startswith("django_tasks_db"):
        arguments = ["--interval", "1"]
        return "db_worker", [*arguments, "--batch"] if burst else arguments
    raise CommandError(f"{backend} runs tasks in the web process; there is nothing for a worker to do")


class Command(BaseCommand):
    help = "Run a task worker for the configured backend (RQ with Redis, else the database)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--burst", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument(
            "--print", action="store_true", help="Print the worker command instead of running it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name, arguments = worker_invocation(burst=options["burst"])
        if options["print"]:
            self.stdout.write(" ".join(["exitentry", name, *arguments]))
            return
        call_command(name, *arguments)
