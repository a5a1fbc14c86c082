"""Background work of the insight app: keep the recent rollups current."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.insight import rollups


@every(dt.timedelta(minutes=30))
@task()
def refresh_rollups() -> list[str]:
    """Recompute today, the recent days and the promised dates ahead (idempotent)."""
    return [summary.day.isoformat() for summary in rollups.refresh_recent()]
