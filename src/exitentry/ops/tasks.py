"""Background work of the ops app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.ops import services


@every(dt.timedelta(days=1), at=dt.time(2, 0))
@task()
def apply_retention() -> dict[str, int]:
    """Delete uploads, log files and task results past their retention rule (daily, 02:00)."""
    return services.apply_retention()
