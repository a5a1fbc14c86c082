"""Background work of the applications app (django-tasks; see docs/adr/0005).

`watch_slas`, `retry_stalled_source_checks` and `delete_abandoned_uploads` are meant to be
enqueued by the deployment's scheduler (every hour, every ten minutes, daily). The others are
enqueued after commit by the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from exitentry.applications import services
from exitentry.applications.models import ApplicationItem, ItemStatus
from exitentry.core.errors import InvalidTransition
from exitentry.core.scheduling import every


@task()
def check_materials_with_sources(application_id: int) -> dict[str, str]:
    """Ask the information-sharing registers about an application's materials."""
    return services.check_materials_with_sources(application_id)


@every(dt.timedelta(minutes=5))
@task()
def retry_stalled_source_checks() -> list[int]:
    """Re-run the register checks that a crash or a lost task left unfinished."""
    stalled = services.stalled_source_checks()
    for application_id in stalled:
        check_materials_with_sources.enqueue(application_id)
    return stalled


@task()
def send_to_production(item_id: int) -> str:
    """An approved item goes to the production centre (once; a rerun changes nothing).

    An endorsement waiting for the permit the applicant sends in stays approved: recording the
    permit's receipt sends it to production then.
    """
    from exitentry.applications.shipping import PermitNotReceived

    item = ApplicationItem.objects.filter(pk=item_id).first()
    if item is None or item.status != ItemStatus.APPROVED:
        return item.status if item is not None else "missing"
    try:
        return services.start_production(item, actor="production").status
    except PermitNotReceived:
        return "waiting_for_permit"
    except InvalidTransition:
        item.refresh_from_db()
        return item.status


@every(dt.timedelta(minutes=15))
@task()
def watch_slas() -> dict[str, Any]:
    """Flag items at 80% of their promised time and at breach, and tell their supervisors."""
    return services.sla_watch().as_dict()


@every(dt.timedelta(days=1), at=dt.time(4, 0))
@task()
def delete_abandoned_uploads() -> int:
    """Delete files staged for forms that were never sent."""
    return services.delete_abandoned_staged_uploads()


@every(dt.timedelta(minutes=10))
@task()
def poll_courier_shipments() -> dict[str, int]:
    """Fetch the courier's scans of every shipment not yet delivered; "delivered" delivers the item."""
    from exitentry.applications import shipping

    return shipping.poll_shipments()
