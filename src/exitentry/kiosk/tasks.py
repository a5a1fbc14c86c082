"""Background work of the kiosks."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from exitentry.core.scheduling import every
from exitentry.kiosk import services
from exitentry.kiosk.models import InstantEndorsement


@every(dt.timedelta(minutes=1))
@task()
def flag_offline_devices() -> int:
    """Mark devices offline when their heartbeat stops (every minute)."""
    return services.flag_offline_devices()


@every(dt.timedelta(minutes=2))
@task()
def sweep_instant_endorsements() -> dict[str, int]:
    """Time out overdue payments; refund what was paid and not issued (every 2 minutes)."""
    return services.sweep_instant_endorsements()


@task()
def refund_instant_endorsement(endorsement_id: int) -> str:
    """Refund one endorsement that will not be issued (after a late payment)."""
    endorsement = InstantEndorsement.objects.filter(pk=endorsement_id).first()
    if endorsement is None:
        return "missing"
    return services.refund_endorsement(endorsement, actor="system").status
