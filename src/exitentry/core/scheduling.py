"""Periodic background work: a registry of jobs and the claim that makes enqueueing race-safe.

Apps register periodic tasks in their `tasks.py`:

    every(dt.timedelta(minutes=15))(watch_sla)           # every 15 minutes
    every(dt.timedelta(days=1), at=dt.time(2, 30))(expire_held_documents)  # daily, 02:30 local

`exitentry scheduler` loops over the registry; for each job that is due it moves the job's
`next_run_at` forward with one conditional UPDATE and enqueues the task only when that UPDATE
changed a row. Several schedulers (one per host) can therefore run at once without enqueueing a
job twice. (django-crontask and django-periodic-tasks need Python 3.12+; we support 3.11.)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from exitentry.core import clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    interval: dt.timedelta
    at: dt.time | None  # local wall-clock time for daily (or longer) jobs

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        if self.at is None:
            return moment + self.interval
        local = clock.to_local(moment)
        candidate = clock.local_datetime(local.date(), self.at)
        while candidate <= moment:
            candidate += self.interval
        return candidate


REGISTRY: dict[str, PeriodicJob] = {}


def every(
    interval: dt.timedelta, *, at: dt.time | None = None, name: str | None = None
) -> Callable[[Any], Any]:
    if interval < dt.timedelta(minutes=1):
        raise ValueError("periodic jobs run at most once a minute")
    if at is not None and interval < dt.timedelta(days=1):
        raise ValueError("`at` only makes sense for daily or longer intervals")

    def register(task: Any) -> Any:
        job_name = name or f"{task.module_path}"
        REGISTRY[job_name] = PeriodicJob(name=job_name, task=task, interval=interval, at=at)
        return task

    return register


def discover() -> dict[str, PeriodicJob]:
    """Import every installed app's `tasks` module so that its registrations run."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("exitentry."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.tasks":
                    raise
    return REGISTRY


def enqueue_due_jobs(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every registered job that is due; returns the names enqueued."""
    from exitentry.core.models import ScheduledJob

    now = now or clock.now()
    enqueued: list[str] = []
    for job in discover().values():
        try:
            with transaction.atomic():
                ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        except IntegrityError:  # another scheduler created it first
            pass
        claimed = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=job.next_after(now), last_enqueued_at=now
        )
        if claimed:
            job.task.enqueue()
            enqueued.append(job.name)
            logger.info("enqueued periodic job %s", job.name)
    return enqueued
