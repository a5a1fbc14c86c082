"""Writing the audit trail. Call these inside the transaction of the change they describe."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from exitentry.audit.models import AuditEvent
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


def record_access(
    actor: Any, obj: models.Model, *, purpose: str, request: HttpRequest | None = None
) -> AuditEvent:
    """Log a read of a full personal record (unmasked identifiers) by `actor`."""
    with transaction.atomic():
        return record_event("personal_record.viewed", actor=actor, obj=obj, request=request, purpose=purpose)
