"""Background work of the accommodation app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.accommodation import services
from exitentry.core.scheduling import every


@every(dt.timedelta(minutes=30))
@task()
def flag_late_registrations() -> int:
    """Every 30 minutes: flag registrations made later than the deadline after arrival."""
    return len(services.flag_late_registrations())
