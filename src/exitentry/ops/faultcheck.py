"""The checks of the load and fault test (`exitentry fault-test`): what the clients were told
against what the database holds, and how the service answered while PostgreSQL was down.

Pure functions over plain data, so that each one is tested with a deliberately lost,
duplicated or unacknowledged row (ops/tests/test_fault_checks.py); `gather_*` read the rows of
one run from the database.

- An **acknowledgement** is a definitive success a client saw: a 201 for a booking or an
  application, a 200 for a payment callback. Its `key` is what the client sent (the
  Idempotency-Key, or the gateway's transaction id), `id` what the server answered (appointment
  id, application number, the transaction id it applied), `subject` who or what it is for (the
  account; for a payment, the order).
- `lost`: acknowledged, not in the database. `duplicated`: a subject holding more rows than it may
  (two applications or two active appointments for one account, two succeeded payments for one
  order), or one id stored twice. `conflicting`: one key answered with two different ids (a retry
  with the same Idempotency-Key that was not recognised). `unacknowledged`: in the database, never
  acknowledged to any client. `in_doubt`: requests the clients gave up on without a definitive
  answer. All must be empty.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Codes the service may answer with while the database is down; anything else then is a failure.
UNAVAILABLE_CODES = frozenset({"service_unavailable"})


@dataclass(frozen=True)
class Ack:
    key: str
    id: str
    subject: str


@dataclass(frozen=True)
class Row:
    id: str
    subject: str


def reconcile(
    acknowledged: Iterable[Ack],
    stored: Iterable[Row],
    *,
    in_doubt: Iterable[str] = (),
    per_subject: int = 1,
    sample: int = 10,
) -> dict[str, Any]:
    """Compare the clients' acknowledgements with the stored rows; counts plus a few examples."""
    acks = list(acknowledged)
    rows = list(stored)
    doubtful = sorted(set(in_doubt))
    ids_by_key: dict[str, set[str]] = defaultdict(set)
    for ack in acks:
        ids_by_key[ack.key].add(ack.id)
    acked_ids = {ack.id for ack in acks}
    stored_ids = Counter(row.id for row in rows)
    per_subject_count = Counter(row.subject for row in rows)

    lost = sorted(acked_ids - set(stored_ids))
    conflicting = sorted(key for key, ids in ids_by_key.items() if len(ids) > 1)
    duplicated = sorted(
        [f"id {row_id} ×{count}" for row_id, count in stored_ids.items() if count > 1]
        + [f"{subject} ×{count}" for subject, count in per_subject_count.items() if count > per_subject]
    )
    unacknowledged = sorted(set(stored_ids) - acked_ids)
    return {
        "acknowledged": len(acked_ids),
        "acknowledgements": len(acks),  # with the replays, each acknowledged again
        "stored": len(rows),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "conflicting": len(conflicting),
        "unacknowledged": len(unacknowledged),
        "in_doubt": len(doubtful),
        "examples": {
            name: values[:sample]
            for name, values in (
                ("lost", lost),
                ("duplicated", duplicated),
                ("conflicting", conflicting),
                ("unacknowledged", unacknowledged),
                ("in_doubt", doubtful),
            )
            if values
        },
    }


def is_clean(result: dict[str, Any]) -> bool:
    return all(
        result[name] == 0 for name in ("lost", "duplicated", "conflicting", "unacknowledged", "in_doubt")
    )


def slot_counters(slot_ids: list[int]) -> dict[str, int]:
    """Read from the database: slots sold beyond capacity, people holding two active appointments
    for one service, slots whose `booked` counter differs from their active appointments."""
    from django.db.models import Count, Q

    from exitentry.appointments.models import ACTIVE_STATUSES, Appointment
    from exitentry.servicepoints.models import Slot

    active = list(ACTIVE_STATUSES)
    slots = list(
        Slot.objects.filter(pk__in=slot_ids)
        .annotate(active=Count("appointments", filter=Q(appointments__status__in=active)))
        .values_list("capacity", "booked", "active")
    )
    double = (
        Appointment.objects.filter(slot_id__in=slot_ids, status__in=active)
        .values("user_id", "service_code")
        .annotate(held=Count("id"))
        .filter(held__gt=1)
        .count()
    )
    return {
        "slots": len(slots),
        "places_booked": sum(booked for _capacity, booked, _active in slots),
        "oversold": sum(1 for capacity, booked, held in slots if booked > capacity or held > capacity),
        "double_booked": double,
        "booked_counter_mismatch": sum(1 for _capacity, booked, held in slots if booked != held),
    }


def counters_clean(counters: dict[str, int]) -> bool:
    """Slot counters: nothing oversold, nobody booked twice, `booked` = active appointments."""
    return (
        counters["oversold"] == 0
        and counters["double_booked"] == 0
        and counters["booked_counter_mismatch"] == 0
    )


def notifications_check(rows: Iterable[dict[str, Any]], outbox_keys: Iterable[str]) -> dict[str, Any]:
    """Every notification of the run ends `sent` (none stuck behind a killed task worker), each
    handed to the sender exactly once, and no event notified twice on one channel."""
    notifications = list(rows)
    outbox = Counter(outbox_keys)
    by_status = Counter(row["status"] for row in notifications)
    repeated_events = Counter(
        (row["recipient"], row["template"], row["channel"], row.get("subject_key", ""))
        for row in notifications
    )
    keys = {f"notification-{row['id']}" for row in notifications if row["channel"] != "in_app"}
    return {
        "notifications": len(notifications),
        "by_status": dict(sorted(by_status.items())),
        "not_sent": sum(count for status, count in by_status.items() if status != "sent"),
        "duplicated": sum(1 for count in repeated_events.values() if count > 1),
        "handed_over_twice": sum(1 for key in keys if outbox[key] > 1),
        "never_handed_over": sum(1 for key in keys if outbox[key] == 0),
    }


def notifications_clean(result: dict[str, Any]) -> bool:
    return all(
        result[name] == 0 for name in ("not_sent", "duplicated", "handed_over_twice", "never_handed_over")
    )


# ---------------------------------------------------------------------------------------------
# How the service answered around a fault


def answers_between(requests: Iterable[dict[str, Any]], start: float, end: float) -> list[dict[str, Any]]:
    """Requests sent in [start, end) (seconds since the load began)."""
    return [request for request in requests if start <= request["sent"] < end]


def outage_report(
    requests: Iterable[dict[str, Any]], *, down_at: float, up_at: float, hang_seconds: float = 5.0
) -> dict[str, Any]:
    """While the database was down: every request answered quickly with 503 `service_unavailable`
    (`unclear` counts any other answer — a 500, an HTML page, a dropped connection); `hung` the
    answers slower than `hang_seconds`; `recovered_after_s` from the restart to the first success."""
    everything = sorted(requests, key=lambda request: request["sent"])
    during = answers_between(everything, down_at, up_at)
    outcomes = Counter(f"{request['status']} {request['code']}".strip() for request in during)
    unclear = [
        request
        for request in during
        if request["status"] == 0
        or (
            request["status"] >= 500
            and not (request["status"] == 503 and request["code"] in UNAVAILABLE_CODES)
        )
    ]
    hung = [request for request in during if request["seconds"] > hang_seconds]
    first_success = next(
        (request for request in everything if request["sent"] >= up_at and 200 <= request["status"] < 300),
        None,
    )
    worst = max((request["seconds"] for request in during), default=0.0)
    return {
        "down_at_s": round(down_at, 2),
        "up_at_s": round(up_at, 2),
        "requests": len(during),
        "outcomes": dict(sorted(outcomes.items())),
        "unclear": len(unclear),
        "hung": len(hung),
        "slowest_answer_ms": round(worst * 1000, 1),
        "recovered_after_s": (
            round(first_success["sent"] + first_success["seconds"] - up_at, 2) if first_success else None
        ),
    }


def outage_clean(result: dict[str, Any]) -> bool:
    return result["unclear"] == 0 and result["hung"] == 0 and result["recovered_after_s"] is not None


def server_errors(requests: Iterable[dict[str, Any]]) -> dict[str, int]:
    """5xx answers other than the 503 of an unreachable database, over the whole run."""
    counted = Counter(
        f"{request['status']} {request['code']}".strip()
        for request in requests
        if request["status"] >= 500
        and not (request["status"] == 503 and request["code"] in UNAVAILABLE_CODES)
    )
    return dict(sorted(counted.items()))
