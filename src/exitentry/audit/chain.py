"""The hash chain that makes the audit trail tamper-evident.

Events are spread over a few independent chains ("shards"); each event stores its chain, its
position in it (`seq`), the previous event's hash and its own hash, a SHA-256 over a canonical
form of the previous hash and the event's content. Appending locks the chain's head row
(`AuditChainHead`, `SELECT … FOR UPDATE`) for the rest of the transaction, so two writers never
take the same position; a transaction keeps to one chain (the one of its database connection),
so writers never wait for each other in a cycle. Several chains let that many transactions
write audit events at the same time.

Editing an event changes its hash; deleting one leaves a gap in `seq` and a broken link;
deleting the newest ones leaves the head pointing past the end. `verify_chains` finds each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASH_VERSION = "v1"


def canonical_at(value: dt.datetime) -> str:
    # Milliseconds, as Django's JSON serialiser keeps them: a dumpdata/loaddata round trip
    # (or a test's serialized rollback) must not look like tampering.
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def canonical_ip(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return str(value)


def event_hash(
    *,
    prev_hash: str,
    shard: int,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: Any,
    ip_address: str | None,
) -> str:
    """SHA-256 of an event's content and the hash before it (stable across databases)."""
    payload = [
        HASH_VERSION,
        prev_hash,
        shard,
        seq,
        canonical_at(at),
        actor_id,
        actor_label,
        action,
        object_type,
        object_id,
        # A JSON round trip first, as the database does: tuples become lists and so on.
        json.loads(json.dumps(summary)),
        canonical_ip(ip_address),
    ]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def hash_of(event: Any, *, prev_hash: str | None = None) -> str:
    return event_hash(
        prev_hash=event.prev_hash if prev_hash is None else prev_hash,
        shard=event.shard,
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        summary=event.summary,
        ip_address=event.ip_address,
    )


@dataclass(frozen=True)
class Problem:
    kind: str  # altered | missing | broken_link | truncated
    shard: int
    seq: int
    event_id: int | None
    description: str


def verify_rows(shard: int, rows: Iterator[Any], head_seq: int, head_hash: str) -> Iterator[Problem]:
    """Walk one chain in `seq` order and report every place where it does not hold."""
    expected_seq = 1
    expected_prev = GENESIS_HASH
    previous_id: int | None = None
    for event in rows:
        if event.seq != expected_seq:
            after = f"after event #{previous_id}" if previous_id else "at the start"
            yield Problem(
                "missing",
                shard,
                expected_seq,
                event.pk,
                f"chain {shard}: event(s) seq {expected_seq}..{event.seq - 1} deleted {after}, "
                f"before event #{event.pk}",
            )
        elif event.prev_hash != expected_prev:
            yield Problem(
                "broken_link",
                shard,
                event.seq,
                event.pk,
                f"chain {shard}: event #{event.pk} (seq {event.seq}) does not follow "
                f"event #{previous_id}: the earlier event was altered or replaced",
            )
        if hash_of(event) != event.hash:
            yield Problem(
                "altered",
                shard,
                event.seq,
                event.pk,
                f"chain {shard}: event #{event.pk} (seq {event.seq}) was altered after it was written",
            )
        expected_seq = event.seq + 1
        expected_prev = event.hash
        previous_id = event.pk
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        yield Problem(
            "truncated",
            shard,
            last_seq + 1,
            None,
            f"chain {shard}: the newest event(s) seq {last_seq + 1}..{head_seq} were deleted",
        )
    elif head_seq == last_seq and head_seq > 0 and head_hash != expected_prev:
        yield Problem(
            "broken_link",
            shard,
            last_seq,
            previous_id,
            f"chain {shard}: the newest event #{previous_id} is not the one the chain head recorded",
        )


def append_with_historical_models(registry: Any, *, using: str = "default", **values: Any) -> Any:
    """Append one event to chain 0 with a migration's historical models (which lack the live
    model's chaining `save`), so that a data migration never leaves an unchained row behind."""
    head_model = registry.get_model("audit", "AuditChainHead")
    event_model = registry.get_model("audit", "AuditEvent")
    head, _created = head_model.objects.using(using).select_for_update().get_or_create(shard=0)
    event = event_model(shard=0, seq=head.seq + 1, prev_hash=head.hash, **values)
    event.hash = hash_of(event)
    event.save(using=using)
    head_model.objects.using(using).filter(shard=0).update(seq=event.seq, hash=event.hash)
    return event
