"""Background work of the payments app.

`expire_unpaid_orders` is meant to be enqueued every few minutes by the deployment's scheduler
(`expire_unpaid_orders.enqueue()`); `submit_refund` is enqueued after a refund commits.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.payments import services


@every(dt.timedelta(minutes=30))
@task()
def expire_unpaid_orders() -> int:
    """Orders unpaid when the catalog's payment window ran out become `expired`; how many."""
    return services.expire_unpaid_orders()


@task()
def submit_refund(refund_id: int) -> str:
    """Ask the payment service to return one refund; the refund's status afterwards."""
    return str(services.submit_refund(refund_id).status)
