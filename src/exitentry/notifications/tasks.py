"""Background work of the notifications app.

`send_notification` is enqueued after a notification commits. `send_due_notifications` is meant
to be enqueued every minute by the deployment's scheduler: it sends retries that are due and
recovers notifications a crashed worker left half-sent.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.notifications import services


@task()
def send_notification(notification_id: int) -> str:
    """Send one queued notification (never twice); its status afterwards."""
    return str(services.send_notification(notification_id))


@every(dt.timedelta(minutes=1))
@task()
def send_due_notifications() -> int:
    """Send every queued notification whose time has come; how many were sent."""
    return services.send_due_notifications()
