"""Two years of illustrative history for the demo province, written straight into the rollups.

`seed_insight_history()` is called by `exitentry seed-demo` after the service network exists. It
writes the rollup rows of every day from two years ago up to the day before the periodic
refresh's window (those recent days are recomputed from the real data of the demo), so that a
manager sees this year against last year at once. The figures are synthetic but shaped like the
seeds: about 24% more applications than a year before, online applications and WeChat/Alipay
payments growing, busy mornings and Mondays, summer and Spring Festival peaks, a few percent of
promised dates missed and of appointments not kept. The same seed gives the same history;
running it again replaces the demo's history rows and nothing else.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from exitentry.audit.services import record_event
from exitentry.catalog.models import Channel
from exitentry.core import clock
from exitentry.insight.models import (
    ENDORSEMENT,
    HallHourRollup,
    HallMonthRollup,
    IssuanceMonthRollup,
    IssuanceRollup,
    PaymentRollup,
    RollupDay,
    SlaRollup,
)
from exitentry.insight.rollups import MONTHLY_SOURCES, month_end, policy_for
from exitentry.payments.models import Channel as PaymentChannel
from exitentry.servicepoints.models import ServicePoint, ServicePointKind

SEED = 20260101
DOCUMENTS = {"passport": 0.38, "hk_macau_permit": 0.22, ENDORSEMENT: 0.33, "taiwan_permit": 0.07}
FEES = {"passport": 120, "hk_macau_permit": 60, ENDORSEMENT: 15, "taiwan_permit": 60}
WEEKDAY_FACTOR = (1.25, 1.05, 1.0, 1.0, 1.1, 0.45, 0.0)
HOUR_SHAPE = {8: 0.7, 9: 1.3, 10: 1.4, 11: 1.1, 12: 0.4, 13: 0.6, 14: 1.2, 15: 1.2, 16: 1.0, 17: 0.5}
PAYMENT_SHARES: dict[str, float] = {
    PaymentChannel.WECHAT_PAY: 0.44,
    PaymentChannel.ALIPAY: 0.27,
    PaymentChannel.UNIONPAY: 0.08,
    PaymentChannel.COUNTER: 0.21,
}


ISSUANCE_COLUMNS = (
    "day",
    "service_point_id",
    "city_code",
    "document_type",
    "channel",
    "accepted",
    "approved",
    "rejected",
    "zero_visit",
)
SLA_COLUMNS = ("day", "service_point_id", "city_code", "document_type", "due", "warned", "breached")
HALL_COLUMNS = (
    "day",
    "service_point_id",
    "city_code",
    "hour",
    "weekday",
    "tickets",
    "served",
    "wait_seconds",
    "ticket_no_shows",
    "appointments",
    "appointment_no_shows",
)
PAYMENT_COLUMNS = ("day", "service_point_id", "city_code", "channel", "orders", "amount")
DAY_COLUMNS = ("day", "computed_at", "items", "signature")


def _insert(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Many rows in few statements (executemany): model instances would take seconds longer."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 (names are ours)


def _sum_months(first: dt.date, last: dt.date) -> None:
    """The monthly rollups of the history, in one grouped query per table (the live path,
    `rollups.rebuild_month`, does one month at a time under its lock)."""
    with transaction.atomic():
        for daily, monthly, keys, sums in MONTHLY_SOURCES:
            monthly._default_manager.filter(month__gte=first.replace(day=1), month__lte=last).delete()
            rows = (
                daily._default_manager.filter(day__gte=first.replace(day=1), day__lte=month_end(last))
                .annotate(month=TruncMonth("day"))
                .values_list("month", *keys)
                .annotate(*[Sum(name) for name in sums])
                .order_by()
            )
            _insert(monthly, ("month", *keys, *sums), [tuple(row) for row in rows])


def _season(day: dt.date) -> float:
    """Summer holidays and the weeks before Spring Festival are busier."""
    summer = 0.35 * math.exp(-(((day.timetuple().tm_yday - 200) / 30.0) ** 2))
    winter = 0.25 * math.exp(-(((day.timetuple().tm_yday - 20) / 15.0) ** 2))
    return 1.0 + summer + winter


def _growth(day: dt.date, today: dt.date) -> float:
    """+24% a year: the figures of a day a year ago are today's divided by 1.24."""
    years_ago = (today - day).days / 365.25
    return float(1.24**-years_ago)


def _online_share(day: dt.date, today: dt.date) -> float:
    years_ago = (today - day).days / 365.25
    return max(0.25, 0.46 - 0.07 * years_ago)


def _split(total: int, shares: dict[str, float], rng: random.Random) -> dict[str, int]:
    parts = {key: int(total * share + rng.random()) for key, share in shares.items()}
    return {key: value for key, value in parts.items() if value}


def seed_insight_history(today: dt.date | None = None, *, days: int = 730) -> int:
    """Write the demo's history rollups; returns the number of rows written."""
    today = today or clock.today()
    last = today - dt.timedelta(days=policy_for(today).refresh_days_back + 1)
    first = today - dt.timedelta(days=days)
    halls = list(
        ServicePoint.objects.filter(kind=ServicePointKind.HALL).select_related("city").order_by("code")
    )
    kiosks = list(ServicePoint.objects.filter(kind=ServicePointKind.SELF_SERVICE).select_related("city"))
    if not halls:
        return 0
    rng = random.Random(SEED)  # noqa: S311 (illustrative figures, reproducible on purpose)
    now = clock.now()
    issuance: list[tuple[Any, ...]] = []
    sla: list[tuple[Any, ...]] = []
    hours: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    markers: list[tuple[Any, ...]] = []
    size = {hall.pk: 0.6 + 0.8 * rng.random() for hall in halls}
    day = first
    while day <= last:
        weekday = day.weekday()
        base = 42 * WEEKDAY_FACTOR[weekday] * _season(day) * _growth(day, today)
        online = _online_share(day, today)
        channels: dict[str, float] = {
            Channel.ONLINE: online,
            Channel.WINDOW: 0.86 - online,
            Channel.KIOSK: 0.1,
            Channel.GREEN_CHANNEL: 0.03,
        }
        day_items = 0
        for hall in halls:
            total = int(base * size[hall.pk] * (0.85 + 0.3 * rng.random()))
            if total <= 0:
                continue
            city = hall.city.code
            for document, count in _split(total, DOCUMENTS, rng).items():
                for channel, items in _split(count, channels, rng).items():
                    zero = int(items * 0.55) if channel == Channel.ONLINE else 0
                    rejected = 1 if rng.random() < items * 0.012 else 0
                    issuance.append(
                        (day, hall.pk, city, document, channel, items, items - rejected, rejected, zero)
                    )
                    day_items += items
                breached = min(count, int(count * (0.01 + 0.03 * rng.random()) + rng.random()))
                warned = min(count, breached + int(count * 0.04 + rng.random()))
                sla.append((day, hall.pk, city, document, count, warned, breached))
            visits = int(total * (1 - online * 0.55))
            for hour, shape in HOUR_SHAPE.items():
                tickets = int(visits * shape / 9.4 + rng.random())
                if not tickets:
                    continue
                appointments = int(tickets * 0.6)
                wait = (4 + 9 * shape * rng.random() + 6 * (weekday == 0)) * 60
                chance = 0.05 + 0.06 * rng.random()
                missed = sum(1 for _person in range(appointments) if rng.random() < chance)
                hours.append(
                    (
                        day,
                        hall.pk,
                        city,
                        hour,
                        weekday,
                        tickets,
                        tickets,
                        int(wait * tickets),
                        int(tickets * 0.02),
                        appointments,
                        missed,
                    )
                )
            orders = max(1, int(total / 1.35))
            wechat_growth = 1 + 0.15 * (1 - (today - day).days / days)
            shares: dict[str, float] = dict(PAYMENT_SHARES)
            shares[PaymentChannel.WECHAT_PAY] *= wechat_growth
            shares[PaymentChannel.COUNTER] /= wechat_growth
            for channel, count in _split(orders, shares, rng).items():
                amount = Decimal(count * rng.choice((60, 75, 120, 135, 180))).quantize(Decimal("0.01"))
                payments.append((day, hall.pk, city, channel, count, amount))
        for kiosk in kiosks:  # endorsements at the 24-hour self-service zone
            count = int(20 * _season(day) * _growth(day, today) * (0.85 + 0.3 * rng.random()))
            if count:
                issuance.append(
                    (day, kiosk.pk, kiosk.city.code, ENDORSEMENT, Channel.KIOSK, count, count, 0, 0)
                )
                day_items += count
        markers.append((day, now, day_items, "demo"))
        day += dt.timedelta(days=1)

    with transaction.atomic():
        for model in (IssuanceRollup, SlaRollup, HallHourRollup, PaymentRollup, RollupDay):
            model._default_manager.filter(day__gte=first, day__lte=last).delete()
        _insert(IssuanceRollup, ISSUANCE_COLUMNS, issuance)
        _insert(SlaRollup, SLA_COLUMNS, sla)
        _insert(HallHourRollup, HALL_COLUMNS, hours)
        _insert(PaymentRollup, PAYMENT_COLUMNS, payments)
        _insert(RollupDay, DAY_COLUMNS, markers)
        IssuanceMonthRollup.objects.filter(month__gte=first.replace(day=1), month__lte=last).delete()
        HallMonthRollup.objects.filter(month__gte=first.replace(day=1), month__lte=last).delete()
        written = len(issuance) + len(sla) + len(hours) + len(payments)
        record_event(
            "insight.demo_history_seeded",
            actor="system",
            object_type="insight.rollupday",
            first=first.isoformat(),
            last=last.isoformat(),
            rows=written,
        )
    _sum_months(first, last)
    return written
