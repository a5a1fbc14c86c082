"""Background work of the queueing app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.queueing import services


@every(dt.timedelta(minutes=15))
@task()
def refresh_wait_corrections() -> int:
    """Relearn how real waits compared with the model's (run every 15 minutes)."""
    return services.refresh_wait_corrections()


@every(dt.timedelta(days=1), at=dt.time(0, 30))
@task()
def close_queue_day() -> dict[str, int]:
    """Close tickets and counters left open by an earlier day (run daily after midnight)."""
    return services.close_queue_day()
