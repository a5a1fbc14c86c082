"""The one clock: timezone-aware UTC inside, Asia/Shanghai at the edges.

Everything that needs "now" or "today" asks here, so tests can freeze time with time-machine
and every part of the system agrees on the local date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL_ZONE = ZoneInfo(settings.TIME_ZONE)


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    return timezone.now()


def local_now() -> dt.datetime:
    """The current instant in the province's local time (Asia/Shanghai)."""
    return now().astimezone(LOCAL_ZONE)


def today() -> dt.date:
    """Today's date in the province (a day starts at local midnight, not UTC midnight)."""
    return local_now().date()


def to_local(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        raise ValueError("naive datetimes are not accepted; attach a timezone first")
    return moment.astimezone(LOCAL_ZONE)


def local_datetime(day: dt.date, at: dt.time) -> dt.datetime:
    """A local wall-clock time on a local date, as an aware datetime."""
    return dt.datetime.combine(day, at, tzinfo=LOCAL_ZONE)
