"""Background work of the appointments app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.appointments import services
from exitentry.core.scheduling import every


@every(dt.timedelta(minutes=10))
@task()
def mark_no_shows() -> int:
    """Booked appointments whose slot has ended become no-shows (run every few minutes)."""
    return services.mark_no_shows()


@every(dt.timedelta(days=1), at=dt.time(3, 30))
@task()
def purge_idempotency_records() -> int:
    """Forget idempotent answers older than a week (run daily)."""
    return services.purge_idempotency_records()
