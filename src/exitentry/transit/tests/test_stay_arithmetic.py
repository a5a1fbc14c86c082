"""Property tests of the permitted-stay arithmetic: midnight, time zones, offsets of the input."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exitentry.transit.services import permitted_stay

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ZONES = st.sampled_from(
    [
        zoneinfo.ZoneInfo(name)
        for name in ("Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/New_York")
    ]
)
ARRIVALS = st.datetimes(
    min_value=dt.datetime(2024, 12, 17),
    max_value=dt.datetime(2035, 12, 31),
    timezones=ZONES,
    allow_imaginary=False,
)
HOURS = st.integers(min_value=1, max_value=2000)


# The suite shares two cores with other work: judge the properties, not the generation speed.
SHARED_CPU = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


@SHARED_CPU
@given(arrival=ARRIVALS, hours=HOURS, zone=ZONES)
def test_next_day_rule_starts_at_local_midnight_after_the_arrival_day(arrival, hours, zone):
    start, end = permitted_stay(arrival, zone, hours=hours, clock_start="next_day_midnight")

    assert start.tzinfo is zone
    assert end.tzinfo is zone
    assert (start.hour, start.minute, start.second, start.microsecond) == (0, 0, 0, 0)
    assert start.date() == arrival.astimezone(zone).date() + dt.timedelta(days=1)
    # Elapsed time, measured in UTC (Python subtracts two times of one zone as wall-clock times).
    assert utc(end) - utc(start) == dt.timedelta(hours=hours)
    assert dt.timedelta(0) < utc(start) - utc(arrival) <= dt.timedelta(hours=25)  # a DST day has 25


@SHARED_CPU
@given(arrival=ARRIVALS, hours=HOURS, zone=ZONES)
def test_arrival_rule_counts_from_the_moment_of_arrival(arrival, hours, zone):
    start, end = permitted_stay(arrival, zone, hours=hours, clock_start="arrival")

    assert utc(start) == utc(arrival)  # PEP 495: a repeated local hour never equals another zone's
    assert utc(end) - utc(arrival) == dt.timedelta(hours=hours)


@SHARED_CPU
@given(arrival=ARRIVALS, hours=HOURS)
def test_the_same_instant_written_with_another_offset_gives_the_same_stay(arrival, hours):
    utc = arrival.astimezone(dt.UTC)
    assert permitted_stay(arrival, SHANGHAI, hours=hours, clock_start="next_day_midnight") == permitted_stay(
        utc, SHANGHAI, hours=hours, clock_start="next_day_midnight"
    )


@SHARED_CPU
@given(
    day=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31)), minute=st.integers(0, 1439)
)
def test_240_hours_in_shanghai_end_at_midnight_ten_days_after_the_day_after_arrival(day, minute):
    arrival = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=SHANGHAI)

    _start, end = permitted_stay(arrival, SHANGHAI, hours=240, clock_start="next_day_midnight")

    assert end == dt.datetime.combine(day + dt.timedelta(days=11), dt.time(0), tzinfo=SHANGHAI)


def test_arrival_one_minute_before_midnight_still_counts_from_the_next_midnight():
    arrival = dt.datetime(2026, 3, 7, 23, 59, tzinfo=SHANGHAI)

    start, end = permitted_stay(arrival, SHANGHAI, hours=240, clock_start="next_day_midnight")

    assert start == dt.datetime(2026, 3, 8, 0, 0, tzinfo=SHANGHAI)
    assert end == dt.datetime(2026, 3, 18, 0, 0, tzinfo=SHANGHAI)


def test_arrival_given_in_utc_is_judged_by_the_local_date_at_the_port():
    # 2026-03-07 17:30 UTC is already 01:30 on 8 March in Shanghai: the clock starts on the 9th.
    arrival = dt.datetime(2026, 3, 7, 17, 30, tzinfo=dt.UTC)

    start, end = permitted_stay(arrival, SHANGHAI, hours=240, clock_start="next_day_midnight")

    assert start == dt.datetime(2026, 3, 9, 0, 0, tzinfo=SHANGHAI)
    assert end.isoformat() == "2026-03-19T00:00:00+08:00"
