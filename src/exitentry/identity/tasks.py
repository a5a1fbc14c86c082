"""Background work of the identity app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.identity import services


@every(dt.timedelta(days=1), at=dt.time(0, 15))
@task()
def expire_held_documents() -> int:
    """Daily: mark valid documents past their last valid day as expired."""
    return services.expire_held_documents()
