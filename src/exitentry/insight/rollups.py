"""Recomputing the daily rollups from the applications, queueing, appointments and payments apps.

`recompute_day(day)` is the one function that writes rollup rows. It is idempotent (the same
source data gives the same rows) and race-safe: it takes a row lock on the day's `RollupDay`
(created once, a concurrent creator losing the unique race simply reuses it), computes every
table's rows for the day with a handful of grouped queries, upserts them (INSERT … ON CONFLICT
DO UPDATE on the tables' unique keys) and deletes the day's rows whose combination no longer
occurs — all in one transaction, with one audit event. Two workers recomputing the same day
therefore run one after the other, and readers always see a whole day.

`refresh_recent()` is what the periodic task runs (days from `InsightPolicy`), and
`backfill(first, last)` what `exitentry insight-rollup --from D --to D` runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import ExtractHour
from django.utils.translation import gettext_lazy as _

from exitentry.applications.models import Application, ApplicationItem, ItemStatus, SlaFlag, SlaLevel
from exitentry.applications.services import SUBJECT_TYPE as APPLICATION_SUBJECT
from exitentry.appointments.models import Appointment, AppointmentStatus
from exitentry.audit.services import record_event
from exitentry.catalog.models import Reason
from exitentry.core import clock
from exitentry.core.errors import InvalidInput
from exitentry.insight.models import (
    ENDORSEMENT,
    HallHourRollup,
    HallMonthRollup,
    InsightPolicy,
    IssuanceMonthRollup,
    IssuanceRollup,
    PaymentRollup,
    RollupDay,
    SlaRollup,
)
from exitentry.payments.models import SETTLED_STATUSES, Order
from exitentry.queueing.models import Ticket, TicketStatus
from exitentry.servicepoints.models import ServicePoint

logger = logging.getLogger(__name__)

# An item counts as approved once a decision to issue was taken, whatever happened next.
APPROVED_STATUSES = (
    ItemStatus.APPROVED,
    ItemStatus.IN_PRODUCTION,
    ItemStatus.READY_FOR_PICKUP,
    ItemStatus.DISPATCHED,
    ItemStatus.DELIVERED,
    ItemStatus.COLLECTED,
)
# Items the office still owes (or owed) an answer by the promised date.
SLA_COUNTED_STATUSES = tuple(
    status.value
    for status in ItemStatus
    if status
    not in (
        ItemStatus.DRAFT,
        ItemStatus.SUBMITTED,
        ItemStatus.AWAITING_PAYMENT,
        ItemStatus.WITHDRAWN,
        ItemStatus.EXPIRED,
    )
)
MAX_BACKFILL_DAYS = 3660


class NoInsightPolicy(InvalidInput):
    code = "insight_policy_missing"
    default_message = _("No insight policy is in force today; add one in the admin.")


class InvalidRollupRange(InvalidInput):
    code = "invalid_rollup_range"
    default_message = _("The first day must not be after the last, and the range at most ten years.")


def policy_for(day: dt.date | None = None) -> InsightPolicy:
    policy = InsightPolicy.objects.effective_on(day or clock.today()).order_by("-effective_from").first()
    if policy is None:
        raise NoInsightPolicy()
    return policy


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = clock.local_datetime(day, dt.time(0))
    return start, clock.local_datetime(day + dt.timedelta(days=1), dt.time(0))


def _points() -> dict[int, str]:
    """Every service point's id and its city's code (a small table, read once per day)."""
    return dict(ServicePoint.objects.values_list("id", "city__code"))


# ---------------------------------------------------------------------------------------------
# What a day's rows are


def issuance_rows(day: dt.date, cities: dict[int, str]) -> list[IssuanceRollup]:
    start, end = local_day_bounds(day)
    kind = Case(When(reason=Reason.ENDORSEMENT, then=Value(ENDORSEMENT)), default=F("document_type"))
    grouped = (
        ApplicationItem.objects.filter(
            # The (service_point, accepted_at) index of applications finds the day's items.
            application__service_point_id__in=list(cities),
            application__accepted_at__gte=start,
            application__accepted_at__lt=end,
        )
        .annotate(kind=kind)
        .values("application__service_point_id", "kind", "application__channel")
        .annotate(
            accepted=Count("id"),
            approved=Count("id", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("id", filter=Q(status=ItemStatus.REJECTED)),
            zero_visit=Count("id", filter=Q(application__zero_visit=True)),
        )
        .order_by()
    )
    return [
        IssuanceRollup(
            day=day,
            service_point_id=row["application__service_point_id"],
            city_code=cities[row["application__service_point_id"]],
            document_type=row["kind"],
            channel=row["application__channel"],
            accepted=row["accepted"],
            approved=row["approved"],
            rejected=row["rejected"],
            zero_visit=row["zero_visit"],
        )
        for row in grouped
    ]


def sla_rows(day: dt.date, cities: dict[int, str]) -> list[SlaRollup]:
    kind = Case(When(reason=Reason.ENDORSEMENT, then=Value(ENDORSEMENT)), default=F("document_type"))
    due = (
        ApplicationItem.objects.filter(status__in=SLA_COUNTED_STATUSES, promised_date=day)
        .annotate(kind=kind)
        .values("application__service_point_id", "kind")
        .annotate(due=Count("id"))
        .order_by()
    )
    rows: dict[tuple[int, str], SlaRollup] = {}
    for row in due:
        point = row["application__service_point_id"]
        rows[(point, row["kind"])] = SlaRollup(
            day=day,
            service_point_id=point,
            city_code=cities[point],
            document_type=row["kind"],
            due=row["due"],
            warned=0,
            breached=0,
        )
    flagged = (
        SlaFlag.objects.filter(
            promised_date=day, item__status__in=SLA_COUNTED_STATUSES, item__promised_date=day
        )
        .annotate(
            kind=Case(
                When(item__reason=Reason.ENDORSEMENT, then=Value(ENDORSEMENT)),
                default=F("item__document_type"),
            )
        )
        .values("item__application__service_point_id", "kind", "level")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in flagged:
        found = rows.get((row["item__application__service_point_id"], row["kind"]))
        if found is None:  # the flag's item is no longer due that day
            continue
        if row["level"] == SlaLevel.BREACH:
            found.breached = row["count"]
        else:
            found.warned = row["count"]
    return list(rows.values())


def hall_rows(day: dt.date, cities: dict[int, str]) -> list[HallHourRollup]:
    start, end = local_day_bounds(day)
    zone = clock.to_local(start).tzinfo
    rows: dict[tuple[int, int], HallHourRollup] = {}

    def row_for(point: int, hour: int) -> HallHourRollup:
        key = (point, hour)
        if key not in rows:
            rows[key] = HallHourRollup(
                day=day,
                service_point_id=point,
                city_code=cities[point],
                hour=hour,
                weekday=day.weekday(),
                tickets=0,
                served=0,
                wait_seconds=0,
                ticket_no_shows=0,
                appointments=0,
                appointment_no_shows=0,
            )
        return rows[key]

    tickets = (
        # A transferred ticket's later legs are the same person: count the first leg only.
        Ticket.objects.filter(service_point_id__in=list(cities), issued_on=day, transferred_from__isnull=True)
        .annotate(hour=ExtractHour("issued_at", tzinfo=zone))
        .values("service_point_id", "hour")
        .annotate(
            tickets=Count("id"),
            served=Count("id", filter=Q(wait_seconds__isnull=False)),
            wait_seconds=Sum("wait_seconds", default=0),
            no_shows=Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        )
        .order_by()
    )
    for row in tickets:
        hall = row_for(row["service_point_id"], row["hour"])
        hall.tickets, hall.served = row["tickets"], row["served"]
        hall.wait_seconds, hall.ticket_no_shows = row["wait_seconds"], row["no_shows"]
    appointments = (
        Appointment.objects.filter(slot__start__gte=start, slot__start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .annotate(hour=ExtractHour("slot__start", tzinfo=zone))
        .values("slot__service_point_id", "hour")
        .annotate(due=Count("id"), no_shows=Count("id", filter=Q(status=AppointmentStatus.NO_SHOW)))
        .order_by()
    )
    for row in appointments:
        hall = row_for(row["slot__service_point_id"], row["hour"])
        hall.appointments, hall.appointment_no_shows = row["due"], row["no_shows"]
    return list(rows.values())


def payment_rows(day: dt.date, cities: dict[int, str]) -> list[PaymentRollup]:
    start, end = local_day_bounds(day)
    orders = Order.objects.filter(
        status__in=SETTLED_STATUSES, paid_at__gte=start, paid_at__lt=end
    ).values_list("subject_type", "subject_id", "channel", "amount")
    paid = list(orders)
    numbers = {subject_id for subject_type, subject_id, _c, _a in paid if subject_type == APPLICATION_SUBJECT}
    point_of = dict(Application.objects.filter(number__in=numbers).values_list("number", "service_point_id"))
    totals: dict[tuple[int | None, str], list[Any]] = {}
    for subject_type, subject_id, channel, amount in paid:
        point = point_of.get(subject_id) if subject_type == APPLICATION_SUBJECT else None
        entry = totals.setdefault((point, channel), [0, Decimal("0.00")])
        entry[0] += 1
        entry[1] += amount
    return [
        PaymentRollup(
            day=day,
            service_point_id=point,
            city_code=cities.get(point, "") if point is not None else "",
            channel=channel,
            orders=count,
            amount=amount,
        )
        for (point, channel), (count, amount) in totals.items()
    ]


# ---------------------------------------------------------------------------------------------
# Writing a day


@dataclass(frozen=True)
class DaySummary:
    day: dt.date
    issuance: int
    sla: int
    halls: int
    payments: int


def _upsert(model: type[models.Model], day: dt.date, rows: Sequence[Any], key: Sequence[str]) -> None:
    """Make the day's rows of `model` exactly `rows`: upsert on `key`, delete combinations gone."""
    if rows:
        values = [field.name for field in model._meta.concrete_fields if not field.primary_key]
        model._default_manager.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=list(key),
            update_fields=[name for name in values if name not in key],
        )
    wanted = {tuple(getattr(row, _attname(model, name)) for name in key) for row in rows}
    existing = model._default_manager.filter(day=day).values_list(
        "pk", *[_attname(model, name) for name in key]
    )
    stale = [pk for pk, *parts in existing if tuple(parts) not in wanted]
    if stale:
        model._default_manager.filter(pk__in=stale).delete()


def _attname(model: type[models.Model], name: str) -> str:
    field = cast("models.Field[Any, Any]", model._meta.get_field(name))
    return str(field.attname)


def _replace(model: type[models.Model], day: dt.date, rows: Sequence[Any]) -> None:
    """For a table whose key has a nullable part (no ON CONFLICT target): replace the day's rows."""
    model._default_manager.filter(day=day).delete()
    model._default_manager.bulk_create(rows, batch_size=1000)


def _signature(*tables: Sequence[Any]) -> str:
    """A short digest of a day's figures: equal digests mean nothing changed."""
    parts = []
    for rows in tables:
        for row in rows:
            values = [
                str(getattr(row, field.attname))
                for field in row._meta.concrete_fields
                if not field.primary_key and field.name != "day"
            ]
            parts.append("|".join(values))
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:32]


def _lock_day(day: dt.date) -> RollupDay:
    try:
        with transaction.atomic():
            RollupDay.objects.get_or_create(day=day)
    except IntegrityError:  # another worker created it first; its lock is what we want
        pass
    return RollupDay.objects.select_for_update().get(day=day)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


MONTHLY_SOURCES: tuple[
    tuple[type[models.Model], type[models.Model], tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        IssuanceRollup,
        IssuanceMonthRollup,
        ("service_point_id", "city_code", "document_type", "channel"),
        ("accepted", "approved", "rejected", "zero_visit"),
    ),
    (
        HallHourRollup,
        HallMonthRollup,
        ("service_point_id", "city_code", "weekday", "hour"),
        ("tickets", "served", "wait_seconds", "ticket_no_shows", "appointments", "appointment_no_shows"),
    ),
)


def rebuild_month(month: dt.date) -> int:
    """Make the monthly rollups of `month` the sums of its daily rows (caller holds the month lock)."""
    first, last = month_start(month), month_end(month)
    written = 0
    for daily, monthly, keys, sums in MONTHLY_SOURCES:
        rows = (
            daily._default_manager.filter(day__gte=first, day__lte=last)
            .values(*keys)
            .annotate(**{f"total_{name}": Sum(name) for name in sums})
            .order_by()
        )
        monthly._default_manager.filter(month=first).delete()
        created = monthly._default_manager.bulk_create(
            [
                monthly(
                    month=first,
                    **{key: row[key] for key in keys},
                    **{name: row[f"total_{name}"] for name in sums},
                )
                for row in rows.iterator(chunk_size=5000)
            ],
            batch_size=2000,
        )
        written += len(created)
    return written


def rebuild_months(first: dt.date, last: dt.date) -> int:
    """Rebuild every month touching [first, last], each under its month lock."""
    written = 0
    month = month_start(first)
    while month <= last:
        with transaction.atomic():
            _lock_day(month)
            written += rebuild_month(month)
        month = month_end(month) + dt.timedelta(days=1)
    return written


def recompute_day(
    day: dt.date, *, actor: Any = "system", reason: str = "refresh", with_month: bool = True
) -> DaySummary:
    """Rebuild every rollup table's rows for `day` from the source data (idempotent, race-safe).

    Locks: the month's first day, then the day (always in that order, so two workers never wait
    for each other in a circle); the month's monthly rows are rebuilt in the same transaction.
    """
    cities = _points()
    with transaction.atomic():
        _lock_day(month_start(day))
        marker = _lock_day(day)
        issuance = issuance_rows(day, cities)
        sla = sla_rows(day, cities)
        halls = hall_rows(day, cities)
        payments = payment_rows(day, cities)
        _upsert(IssuanceRollup, day, issuance, ("day", "service_point", "document_type", "channel"))
        _upsert(SlaRollup, day, sla, ("day", "service_point", "document_type"))
        _upsert(HallHourRollup, day, halls, ("day", "service_point", "hour"))
        _replace(PaymentRollup, day, payments)
        items = sum(row.accepted for row in issuance)
        signature = _signature(issuance, sla, halls, payments)
        RollupDay.objects.filter(pk=marker.pk).update(
            computed_at=clock.now(), items=items, signature=signature
        )
        if with_month and signature != marker.signature:
            rebuild_month(day)
        if signature != marker.signature:  # the periodic refresh audits changes, not every rerun
            record_event(
                "insight.day_rolled_up",
                actor=actor,
                obj=marker,
                reason=reason,
                day=day.isoformat(),
                before={"signature": marker.signature},
                after={"signature": signature},
                items=items,
            )
    return DaySummary(day, len(issuance), len(sla), len(halls), len(payments))


def days_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def backfill(first: dt.date, last: dt.date, *, actor: Any = "system") -> list[DaySummary]:
    """Recompute every day from `first` to `last` inclusive, one transaction per day."""
    if first > last or (last - first).days >= MAX_BACKFILL_DAYS:
        raise InvalidRollupRange(first=first.isoformat(), last=last.isoformat())
    summaries = [
        recompute_day(day, actor=actor, reason="backfill", with_month=False)
        for day in days_between(first, last)
    ]
    rebuild_months(first, last)
    return summaries


def refresh_recent(today: dt.date | None = None) -> list[DaySummary]:
    """The periodic refresh: recent days (late events) and the SLA days still moving ahead."""
    today = today or clock.today()
    policy = policy_for(today)
    days: Iterable[dt.date] = days_between(
        today - dt.timedelta(days=policy.refresh_days_back), today + dt.timedelta(days=policy.sla_days_ahead)
    )
    return [recompute_day(day) for day in days]
