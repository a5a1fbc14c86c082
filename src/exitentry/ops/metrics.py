"""Prometheus metrics, safe with many worker processes.

Request counters and latencies are written by every process; with several processes
`PROMETHEUS_MULTIPROC_DIR` must name a directory they share (`exitentry serve` sets and cleans
it) and `/metrics` adds them up with prometheus-client's multiprocess collector.

The business gauges (bookings, queue lengths, SLA breaches, task lag) are read from the
database when `/metrics` is scraped, by whichever process answers, so they need no sharing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from exitentry.core import clock

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "exitentry_http_requests",
    "HTTP requests answered, by route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "exitentry_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _bookings_today() -> Iterator[tuple[list[str], float]]:
    from django.apps import apps
    from django.db.models import Count

    appointment = apps.get_model("appointments", "Appointment")
    since = clock.local_datetime(clock.today(), dt.time(0, 0))
    rows = appointment.objects.filter(booked_at__gte=since).values("status").annotate(n=Count("id"))
    for row in rows.order_by("status"):
        yield [row["status"]], row["n"]


def _queue_waiting() -> Iterator[tuple[list[str], float]]:
    from django.apps import apps
    from django.db.models import Count

    ticket = apps.get_model("queueing", "Ticket")
    rows = (
        ticket.objects.filter(issued_on=clock.today(), status="waiting")
        .values("service_point_id")
        .annotate(n=Count("id"))
    )
    for row in rows.order_by("service_point_id"):
        yield [str(row["service_point_id"])], row["n"]


def _sla_flags() -> Iterator[tuple[list[str], float]]:
    from django.apps import apps
    from django.db.models import Count

    flag = apps.get_model("applications", "SlaFlag")
    counts = {row["level"]: row["n"] for row in flag.objects.values("level").annotate(n=Count("id"))}
    for level in ("warning", "breach"):
        yield [level], counts.get(level, 0)


def task_lag_seconds() -> float:
    """Age of the oldest task waiting for a worker (0 when none waits)."""
    from django.conf import settings

    backend = settings.TASKS["default"]["BACKEND"]
    now = clock.now()
    if backend.startswith("django_tasks_rq"):
        import django_rq

        oldest: dt.datetime | None = None
        for name in settings.RQ_QUEUES:
            jobs = django_rq.get_queue(name).get_jobs(0, 1)
            if jobs and jobs[0].enqueued_at is not None:
                at = (
                    jobs[0].enqueued_at.replace(tzinfo=dt.UTC)
                    if jobs[0].enqueued_at.tzinfo is None
                    else jobs[0].enqueued_at
                )
                oldest = at if oldest is None else min(oldest, at)
        return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    if backend.startswith("django_tasks_db"):
        from django.db.models import Min
        from django_tasks_db.models import DBTaskResult

        first = DBTaskResult.objects.ready().aggregate(first=Min("enqueued_at"))["first"]
        return max(0.0, (now - first).total_seconds()) if first else 0.0
    return 0.0


class DomainCollector(Collector):
    """Gauges read from the database at scrape time."""

    def collect(self) -> Iterator[Any]:
        failures = 0
        specs: list[tuple[str, str, list[str], Any]] = [
            (
                "exitentry_bookings_today",
                "Appointments booked today (local day), by status.",
                ["status"],
                _bookings_today,
            ),
            (
                "exitentry_queue_waiting",
                "Tickets waiting now, by service point id.",
                ["service_point"],
                _queue_waiting,
            ),
            (
                "exitentry_sla_flags",
                "Application items flagged at SLA warning or breach.",
                ["level"],
                _sla_flags,
            ),
        ]
        for name, documentation, labels, source in specs:
            family = GaugeMetricFamily(name, documentation, labels=labels)
            try:
                for values, value in source():
                    family.add_metric(values, value)
            except Exception:
                failures += 1
                logger.exception("metric %s could not be read", name)
                continue
            yield family
        try:
            yield GaugeMetricFamily(
                "exitentry_task_lag_seconds",
                "Age of the oldest task waiting for a worker.",
                value=task_lag_seconds(),
            )
        except Exception:
            failures += 1
            logger.exception("task lag could not be read")
        yield GaugeMetricFamily(
            "exitentry_metrics_read_failures",
            "Business gauges that could not be read at this scrape.",
            value=failures,
        )


_DOMAIN_REGISTRY = CollectorRegistry(auto_describe=False)
_DOMAIN_REGISTRY.register(DomainCollector())


def render() -> bytes:
    """The text exposition of every metric: process (or all processes) plus the business gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        process = generate_latest(REGISTRY)
    return process + generate_latest(_DOMAIN_REGISTRY)
