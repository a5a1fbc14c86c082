"""The one function that moves an item between states, and the named moves built on it.

`apply_transition` checks `models.TRANSITIONS`, changes the status with one conditional UPDATE
(`WHERE status = <current> AND status IN <allowed sources>`, so two officers acting at once cannot
both succeed), writes an `ItemEvent` row and an audit event, all in one transaction. A move the
table forbids, or one that lost a race, is 409 `invalid_transition`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from exitentry.applications.models import TRANSITIONS, ApplicationItem, ItemEvent, ItemStatus
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import InvalidTransition


def allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def sources_of(new: str) -> list[str]:
    return [status for status, targets in TRANSITIONS.items() if new in targets]


def _actor_fields(actor: Any) -> tuple[Any, str]:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user is not None else str(actor or "system")
    return user, label[:150]


def apply_transition(
    item: ApplicationItem,
    new: str,
    *,
    action: str,
    actor: Any,
    note: str = "",
    request: HttpRequest | None = None,
    updates: dict[str, Any] | None = None,
) -> ApplicationItem:
    """Move `item` to `new` if the table allows it from its current state; returns it refreshed.

    `updates` are further fields set by the same UPDATE (e.g. the tracking number on dispatch).
    """
    if new not in ItemStatus.values:
        raise ValueError(f"unknown item status {new!r}")
    now = clock.now()
    with transaction.atomic():
        current = ApplicationItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
        if current is None or not allowed(current, new):
            raise InvalidTransition(current=current, requested=new, item=item.pk)
        changed = ApplicationItem.objects.filter(
            pk=item.pk, status=current, status__in=sources_of(new)
        ).update(status=new, updated_at=now, **(updates or {}))
        if changed != 1:
            raise InvalidTransition(current=current, requested=new, item=item.pk)
        user, label = _actor_fields(actor)
        ItemEvent.objects.create(
            item_id=item.pk,
            from_status=current,
            to_status=new,
            action=action,
            at=now,
            actor=user,
            actor_label=label,
            note=note[:1000],
        )
        record_event(
            f"applications.item_{action}",
            actor=actor,
            object_type="applications.applicationitem",
            object_id=item.pk,
            request=request,
            before={"status": current},
            after={"status": new},
            application=item.application_id,
            service=item.service_code,
        )
    item.refresh_from_db()
    return item


def record_creation(item: ApplicationItem, *, actor: Any) -> None:
    """The first event of an item: created as a draft (call inside the creating transaction)."""
    user, label = _actor_fields(actor)
    ItemEvent.objects.create(
        item=item,
        from_status="",
        to_status=item.status,
        action="created",
        at=item.updated_at,
        actor=user,
        actor_label=label,
    )
