"""`exitentry bench insight`: a synthetic provincial history in the rollups, and every dashboard query timed.

    exitentry bench insight --items 10000000 --database-url postgres://…/h5bench --json

What one run does (PostgreSQL only; see benchmarks/README.md):

1. Creates (once) the benchmark's halls `bench-insight-NN`, six in each city of the province of
   the database's first city, and removes the rollup rows an earlier run left for them.
2. Generates two years of daily rollups equivalent to `--items` application items, in a handful
   of `INSERT … SELECT … FROM generate_series(…)` statements inside the database: items per day ×
   hall × document type × channel follow weekdays (busy Mondays, quiet weekends), the summer and
   Spring Festival peaks, +24% a year and a per-hall size; promised dates, hall hours (tickets,
   waits, appointments, no-shows) and payments by channel are derived from them. The counts add
   up to `--items` (± rounding), so the dashboards read exactly what ten million items roll up to.
3. Times every dashboard function the pages and API call, for the whole province over this year
   by month and by day, over the last 30 days, for one city and for a supervisor's single hall:
   each `--repeat` times, median and worst. Also the full dashboard and a streamed CSV export.

The rollup recompute from source items is not part of this run (it needs real applications;
`exitentry insight-rollup` on a real database measures it).
"""

# ruff: noqa: E501  (the SQL reads best on long lines)
from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min

from exitentry.core import clock
from exitentry.insight import exports, services
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

HALL_PREFIX = "bench-insight-"
HALLS_PER_CITY = 6
YEARS = 2
TARGET_MS = 1000.0
DOCUMENTS = {"passport": 0.38, "hk_macau_permit": 0.22, ENDORSEMENT: 0.33, "taiwan_permit": 0.07}
CHANNELS = {"online": 0.42, "window": 0.42, "kiosk": 0.12, "home_service": 0.01, "green_channel": 0.03}
PAYMENTS = {"wechat_pay": 0.46, "alipay": 0.26, "unionpay": 0.08, "counter": 0.20}
HOUR_SHAPE = {8: 0.7, 9: 1.3, 10: 1.4, 11: 1.1, 12: 0.4, 13: 0.6, 14: 1.2, 15: 1.2, 16: 1.0, 17: 0.5}


def _halls(step: Callable[[str], None]) -> list[tuple[int, str, float]]:
    """The benchmark's halls (id, city code, size), created on the first run."""
    from exitentry.catalog.models import City
    from exitentry.servicepoints.models import ServicePoint

    # Shandong (37) when the catalog has it: 16 cities, the largest issuing province.
    province = "37" if City.objects.filter(province_code="37").exists() else None
    if province is None:
        first = City.objects.order_by("code").first()
        if first is None:
            raise RuntimeError("The database has no cities: is the catalog reference data loaded?")
        province = first.province_code
    cities = list(City.objects.filter(province_code=province).order_by("code")[:16])
    halls = []
    for city_index, city in enumerate(cities):
        for number in range(HALLS_PER_CITY):
            code = f"{HALL_PREFIX}{city.code}-{number}"
            names = {language: f"Benchmark hall {code}" for language in ("zh-hans", "en", "ru", "ja", "ko")}
            point, _created = ServicePoint.objects.get_or_create(
                code=code,
                defaults={
                    "city": city,
                    "names": names,
                    "addresses": names,
                    "latitude": city.latitude or Decimal("36.651200"),
                    "longitude": city.longitude or Decimal("117.120100"),
                },
            )
            # Capital-like cities have bigger halls; the first hall of a city is its main one.
            size = (2.0 if city_index < 2 else 1.0) * (1.6 if number == 0 else 0.6 + 0.1 * number)
            halls.append((point.pk, city.code, size))
    step(f"{len(halls)} benchmark halls in {len(cities)} cities")
    return halls


def generate(items: int, step: Callable[[str], None], seed: float = 0.42) -> dict[str, Any]:
    """Fill the rollups with `YEARS` years of history adding up to `items` items."""
    halls = _halls(step)
    ids = [hall[0] for hall in halls]
    today = clock.today()
    first, last = today - dt.timedelta(days=365 * YEARS), today - dt.timedelta(days=1)
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "items": items,
        "ids": ids,
        "cities": [hall[1] for hall in halls],
        "sizes": [hall[2] for hall in halls],
        "types": list(DOCUMENTS),
        "type_shares": list(DOCUMENTS.values()),
        "channels": list(CHANNELS),
        "channel_shares": list(CHANNELS.values()),
        "hours": list(HOUR_SHAPE),
        "hour_shapes": list(HOUR_SHAPE.values()),
        "pay_channels": list(PAYMENTS),
        "pay_shares": list(PAYMENTS.values()),
    }
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            IssuanceRollup,
            SlaRollup,
            HallHourRollup,
            PaymentRollup,
            IssuanceMonthRollup,
            HallMonthRollup,
        ):
            model._default_manager.filter(service_point_id__in=ids).delete()
        RollupDay.objects.filter(day__gte=first, day__lte=last).delete()
        cursor.execute("SELECT setseed(%s)", [seed])
        step("Generating issuance rollups (generate_series)…")
        cursor.execute(
            """
            WITH days AS (SELECT d::date AS day FROM generate_series(%(first)s::date, %(last)s::date, '1 day') AS d),
            halls AS (SELECT * FROM unnest(%(ids)s::int[], %(cities)s::text[], %(sizes)s::float8[]) AS h(id, city, size)),
            types AS (SELECT * FROM unnest(%(types)s::text[], %(type_shares)s::float8[]) AS t(code, share)),
            channels AS (SELECT * FROM unnest(%(channels)s::text[], %(channel_shares)s::float8[]) AS c(code, share)),
            weights AS (
              SELECT days.day, halls.id, halls.city, types.code AS document_type, channels.code AS channel,
                halls.size * types.share * channels.share
                * (ARRAY[1.25, 1.05, 1.0, 1.0, 1.1, 0.45, 0.15])[extract(isodow FROM days.day)::int]
                * power(1.24, (days.day - %(first)s::date) / 365.25)
                * (1 + 0.35 * exp(-power((extract(doy FROM days.day) - 200) / 30.0, 2))
                     + 0.25 * exp(-power((extract(doy FROM days.day) - 20) / 15.0, 2)))
                * (0.85 + 0.3 * random()) AS w
              FROM days CROSS JOIN halls CROSS JOIN types CROSS JOIN channels
            ),
            counts AS (SELECT *, floor(%(items)s * w / sum(w) OVER () + random())::int AS n FROM weights)
            INSERT INTO insight_issuancerollup
              (day, service_point_id, city_code, document_type, channel, accepted, approved, rejected, zero_visit)
            SELECT day, id, city, document_type, channel, n, n - r, r, z FROM (
              SELECT *, least(n, floor(n * 0.012 + random())::int) AS r,
                     CASE WHEN channel = 'online' THEN floor(n * 0.55)::int ELSE 0 END AS z
              FROM counts WHERE n > 0
            ) AS rows
            """,
            params,
        )
        step("Deriving promised dates, hall hours and payments…")
        cursor.execute(
            """
            INSERT INTO insight_slarollup (day, service_point_id, city_code, document_type, due, warned, breached)
            SELECT day + 10, service_point_id, city_code, document_type, due,
                   least(due, b + floor(due * 0.04)::int), b
            FROM (
              SELECT day, service_point_id, city_code, document_type, sum(accepted - rejected)::int AS due,
                     least(sum(accepted - rejected), floor(sum(accepted) * (0.01 + 0.03 * random()) + random()))::int AS b
              FROM insight_issuancerollup WHERE service_point_id = ANY(%(ids)s)
              GROUP BY day, service_point_id, city_code, document_type
            ) AS due WHERE due > 0
            """,
            params,
        )
        cursor.execute(
            """
            WITH visits AS (
              SELECT day, service_point_id, city_code, sum(accepted - zero_visit) AS n
              FROM insight_issuancerollup WHERE service_point_id = ANY(%(ids)s)
              GROUP BY day, service_point_id, city_code
            ),
            hours AS (SELECT * FROM unnest(%(hours)s::int[], %(hour_shapes)s::float8[]) AS h(hour, shape)),
            tickets AS (
              SELECT visits.*, hours.hour, hours.shape, floor(visits.n * hours.shape / 9.4 + random())::int AS t
              FROM visits CROSS JOIN hours
            )
            INSERT INTO insight_hallhourrollup
              (day, service_point_id, city_code, hour, weekday, tickets, served, wait_seconds, ticket_no_shows,
               appointments, appointment_no_shows)
            SELECT day, service_point_id, city_code, hour, extract(isodow FROM day)::int - 1, t, t,
                   floor(t * (240 + 540 * shape * random()))::bigint, floor(t * 0.02)::int,
                   floor(t * 0.6)::int, floor(t * 0.6 * (0.05 + 0.06 * random()))::int
            FROM tickets WHERE t > 0
            """,
            params,
        )
        cursor.execute(
            """
            WITH paid AS (
              SELECT day, service_point_id, city_code, sum(accepted - rejected) / 1.35 AS n
              FROM insight_issuancerollup WHERE service_point_id = ANY(%(ids)s)
              GROUP BY day, service_point_id, city_code
            ),
            shares AS (SELECT * FROM unnest(%(pay_channels)s::text[], %(pay_shares)s::float8[]) AS s(channel, share)),
            orders AS (SELECT paid.*, shares.channel, floor(paid.n * shares.share + random())::int AS o
                       FROM paid CROSS JOIN shares)
            INSERT INTO insight_paymentrollup (day, service_point_id, city_code, channel, orders, amount)
            SELECT day, service_point_id, city_code, channel, o, round((o * (60 + 80 * random()))::numeric, 2)
            FROM orders WHERE o > 0
            """,
            params,
        )
        step("Summing the months…")
        cursor.execute(
            """
            INSERT INTO insight_issuancemonthrollup
              (month, service_point_id, city_code, document_type, channel, accepted, approved, rejected, zero_visit)
            SELECT date_trunc('month', day)::date, service_point_id, city_code, document_type, channel,
                   sum(accepted), sum(approved), sum(rejected), sum(zero_visit)
            FROM insight_issuancerollup WHERE service_point_id = ANY(%(ids)s)
            GROUP BY 1, service_point_id, city_code, document_type, channel
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO insight_hallmonthrollup
              (month, service_point_id, city_code, weekday, hour, tickets, served, wait_seconds, ticket_no_shows,
               appointments, appointment_no_shows)
            SELECT date_trunc('month', day)::date, service_point_id, city_code, weekday, hour, sum(tickets),
                   sum(served), sum(wait_seconds), sum(ticket_no_shows), sum(appointments), sum(appointment_no_shows)
            FROM insight_hallhourrollup WHERE service_point_id = ANY(%(ids)s)
            GROUP BY 1, service_point_id, city_code, weekday, hour
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO insight_rollupday (day, computed_at, items, signature)
            SELECT day, now(), sum(accepted), 'bench' FROM insight_issuancerollup
            WHERE service_point_id = ANY(%(ids)s) GROUP BY day
            """,
            params,
        )
    with connection.cursor() as cursor:
        for table in (
            IssuanceRollup,
            SlaRollup,
            HallHourRollup,
            PaymentRollup,
            RollupDay,
            IssuanceMonthRollup,
            HallMonthRollup,
        ):
            cursor.execute(f"ANALYZE {table._meta.db_table}")
    seconds = time.monotonic() - started
    rows = {
        "issuance": IssuanceRollup.objects.filter(service_point_id__in=ids).count(),
        "sla": SlaRollup.objects.filter(service_point_id__in=ids).count(),
        "hall_hours": HallHourRollup.objects.filter(service_point_id__in=ids).count(),
        "payments": PaymentRollup.objects.filter(service_point_id__in=ids).count(),
        "issuance_months": IssuanceMonthRollup.objects.filter(service_point_id__in=ids).count(),
        "hall_months": HallMonthRollup.objects.filter(service_point_id__in=ids).count(),
    }
    total = IssuanceRollup.objects.filter(service_point_id__in=ids).aggregate(n=models_sum("accepted"))["n"]
    step(f"Generated {total} items as {sum(rows.values())} rollup rows in {seconds:.1f} s")
    return {
        "items": total,
        "halls": len(halls),
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "rollup_rows": rows,
        "generate_seconds": round(seconds, 1),
        "hall_ids": ids,
        "city": halls[0][1],
    }


def models_sum(field: str) -> Any:
    """Sum(field); imported late so that the module loads without the ORM set up."""
    from django.db.models import Sum

    return Sum(field)


def _time(function: Callable[[], Any], repeat: int) -> dict[str, float]:
    function()  # the first call warms caches and plans; not counted
    timings = []
    for _run in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000.0)
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def _bound(function: Callable[[services.Filters], Any], filters: services.Filters) -> Callable[[], Any]:
    def call() -> Any:
        return function(filters)

    return call


def measure(data: dict[str, Any], repeat: int, step: Callable[[str], None]) -> dict[str, Any]:
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    year_start = dt.date(yesterday.year, 1, 1)
    views = {
        "province_this_year_by_month": services.Filters(year_start, yesterday, granularity="month"),
        "province_this_year_by_day": services.Filters(year_start, yesterday, granularity="day"),
        "province_last_30_days": services.Filters(yesterday - dt.timedelta(days=29), yesterday),
        "province_last_365_days_by_month": services.Filters(
            yesterday - dt.timedelta(days=364), yesterday, granularity="month"
        ),
        "one_city_this_year": services.Filters(
            year_start, yesterday, city_code=data["city"], granularity="month"
        ),
        "supervisor_one_hall_this_year": services.Filters(
            year_start, yesterday, point_ids=frozenset(data["hall_ids"][:1]), granularity="month"
        ),
    }
    functions: dict[str, Callable[[services.Filters], Any]] = {
        "totals": services.totals,
        "issuance_trend": services.issuance_trend,
        "issuance_by_city": services.issuance_by_city,
        "sla": services.sla_figures,
        "hall_waits_and_no_shows": services.hall_pattern,
        "channel_shares": services.channel_shares,
        "payment_shares": services.payment_shares,
        "whole_dashboard": services.dashboard,
    }
    results: dict[str, Any] = {}
    for view, filters in views.items():
        step(f"Timing {view}…")
        results[view] = {
            name: _time(_bound(function, filters), repeat) for name, function in functions.items()
        }
    step("Timing the public figures and a streamed CSV export of a year…")
    results["public_figures_12_months"] = _time(lambda: services.public_figures(12), repeat)
    export_filters = views["province_last_365_days_by_month"]
    lines = 0

    def stream() -> None:
        nonlocal lines
        lines = sum(1 for _line in exports.csv_lines(export_filters, "issuance"))

    started = time.perf_counter()
    stream()
    results["csv_export_365_days_issuance"] = {
        "rows": lines - 2,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return results


def existing(items: int, step: Callable[[str], None]) -> dict[str, Any] | None:
    """The history of an earlier run with as many items (± 0.1%), to time the queries again."""
    from exitentry.servicepoints.models import ServicePoint

    halls = list(
        ServicePoint.objects.filter(code__startswith=HALL_PREFIX)
        .order_by("code")
        .values_list("id", "city__code")
    )
    if not halls:
        return None
    ids = [pk for pk, _city in halls]
    rows = IssuanceRollup.objects.filter(service_point_id__in=ids)
    total = rows.aggregate(n=models_sum("accepted"))["n"] or 0
    if abs(total - items) > items / 1000:
        return None
    days = rows.aggregate(first=Min("day"), last=Max("day"))
    step(f"Reusing the history of an earlier run: {total} items")
    return {
        "items": total,
        "halls": len(halls),
        "first_day": days["first"].isoformat(),
        "last_day": days["last"].isoformat(),
        "rollup_rows": {
            "issuance": rows.count(),
            "sla": SlaRollup.objects.filter(service_point_id__in=ids).count(),
            "hall_hours": HallHourRollup.objects.filter(service_point_id__in=ids).count(),
            "payments": PaymentRollup.objects.filter(service_point_id__in=ids).count(),
            "issuance_months": IssuanceMonthRollup.objects.filter(service_point_id__in=ids).count(),
            "hall_months": HallMonthRollup.objects.filter(service_point_id__in=ids).count(),
        },
        "generate_seconds": None,
        "hall_ids": ids,
        "city": halls[0][1],
    }


def run_insight_bench(
    *,
    items: int,
    repeat: int,
    step: Callable[[str], None],
    machine: Callable[[], dict[str, Any]],
    reuse: bool = False,
) -> dict[str, Any]:
    data = (existing(items, step) if reuse else None) or generate(items, step)
    queries = measure(data, repeat, step)
    worst_dashboard = max(
        figures["whole_dashboard"]["max_ms"]
        for name, figures in queries.items()
        if isinstance(figures, dict) and "whole_dashboard" in figures
    )
    return {
        "kind": "insight",
        "items": data["items"],
        "requested_items": items,
        "halls": data["halls"],
        "days": [data["first_day"], data["last_day"]],
        "rollup_rows": data["rollup_rows"],
        "generate_seconds": data["generate_seconds"],
        "repeat": repeat,
        "queries": queries,
        "worst_dashboard_ms": worst_dashboard,
        "target_ms": TARGET_MS,
        "target_met": worst_dashboard < TARGET_MS,
        "machine": machine(),
    }


def readable(result: dict[str, Any], path: Any) -> str:
    lines = [
        f"insight: {result['items']} items as {sum(result['rollup_rows'].values())} rollup rows "
        f"({result['halls']} halls, {result['days'][0]} to {result['days'][1]}), generated in "
        f"{result['generate_seconds'] if result['generate_seconds'] is not None else '(reused)'} s",
    ]
    for view, figures in result["queries"].items():
        if "whole_dashboard" in figures:
            lines.append(f"  {view}")
            for name, timing in figures.items():
                lines.append(
                    f"    {name:<26} median {timing['median_ms']:>8.1f} ms   worst {timing['max_ms']:>8.1f} ms"
                )
        elif "median_ms" in figures:
            lines.append(
                f"  {view:<30} median {figures['median_ms']:>8.1f} ms   worst {figures['max_ms']:>8.1f} ms"
            )
        else:
            lines.append(f"  {view:<30} {figures}")
    lines += [
        f"  worst whole dashboard     {result['worst_dashboard_ms']:.1f} ms (target < {result['target_ms']:.0f} ms: "
        f"{'met' if result['target_met'] else 'not met'})",
        f"  written to                {path}",
    ]
    return "\n".join(lines)
