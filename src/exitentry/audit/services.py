"""Writing the audit trail. Call these inside the transaction of the change they describe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from exitentry.audit.chain import GENESIS_HASH, Problem, verify_rows
from exitentry.audit.models import AuditChainHead, AuditEvent, locked_chain_head
from exitentry.core import clock


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    **extra: Any,
) -> AuditEvent:
    """Append one event. Past-tense `action` names what happened: `calendar.override_saved`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    summary: dict[str, Any] = {}
    if before is not None:
        summary["before"] = before
    if after is not None:
        summary["after"] = after
    summary.update(extra)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=user,
        actor_label=(user.get_username() if user is not None else str(actor or "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        ip_address=_client_ip(request),
    )


def hold_chain_head(using: str = "default") -> None:
    """Lock this connection's audit chain head now, ahead of the rows the transaction will change.

    Every audited change locks its rows and a chain head; two transactions that take them in
    opposite orders can deadlock. A booking takes its slot's row last, after its event, so a
    transaction that changes slots and records its event afterwards calls this first.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("hold_chain_head must run inside the transaction it protects")
    locked_chain_head(using)


def record_access(
    actor: Any, obj: models.Model, *, purpose: str, request: HttpRequest | None = None
) -> AuditEvent:
    """Log a read of a full personal record (unmasked identifiers) by `actor`."""
    with transaction.atomic():
        return record_event("personal_record.viewed", actor=actor, obj=obj, request=request, purpose=purpose)


def verify_chains() -> tuple[int, list[Problem]]:
    """Check every audit chain; returns the number of events checked and every problem found."""
    heads = {head.shard: head for head in AuditChainHead.objects.all()}
    shards = sorted(set(heads) | set(AuditEvent.objects.values_list("shard", flat=True).distinct()))
    checked = 0
    problems: list[Problem] = []
    for shard in shards:
        head = heads.get(shard)
        rows = AuditEvent.objects.filter(shard=shard).order_by("seq").iterator(chunk_size=2000)

        def counted(rows: Iterator[AuditEvent]) -> Iterator[AuditEvent]:
            nonlocal checked
            for row in rows:
                checked += 1
                yield row

        problems.extend(
            verify_rows(shard, counted(rows), head.seq if head else 0, head.hash if head else GENESIS_HASH)
        )
    return checked, problems
