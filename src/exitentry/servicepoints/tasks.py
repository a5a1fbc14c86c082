"""Background work of the service-points app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from exitentry.core import clock
from exitentry.core.scheduling import every
from exitentry.servicepoints.services import generate_slots

# How far ahead slots exist; the booking policy decides how much of it is bookable.
SLOT_HORIZON_DAYS = 30


@every(dt.timedelta(days=1), at=dt.time(1, 0))
@task()
def generate_slots_for_next_30_days() -> dict[str, Any]:
    """Keep the next 30 days of slots in line with the capacity plans (run daily and after edits)."""
    return generate_slots(clock.today(), SLOT_HORIZON_DAYS).as_dict()
