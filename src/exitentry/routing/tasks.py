"""Background work of the routing app."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.routing import services


@every(dt.timedelta(minutes=5))
@task()
def expire_recommendations() -> int:
    """Forget recommended people whose arrival plus grace has passed (run every 5 minutes)."""
    return services.expire_recommendations()
