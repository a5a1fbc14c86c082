"""Notifications API, mounted at /api/v1/notifications: the caller's inbox, and the sandbox
outbox for staff."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from exitentry.accounts.auth import api_auth
from exitentry.accounts.models import STAFF_ROLES, User
from exitentry.accounts.services import require_role
from exitentry.core.schemas import ErrorOut
from exitentry.notifications import services
from exitentry.notifications.models import Notification, NotificationChannel, OutboxMessage
from exitentry.notifications.schemas import MarkedOut, NotificationOut, OutboxMessageOut


def _caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


router = Router(tags=["notifications"])


class InboxFilter(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)


class OutboxFilter(Schema):
    channel: NotificationChannel | None = None
    limit: int = Field(50, ge=1, le=200)


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.pk,
        template=notification.template_code,
        language=notification.language,
        subject=notification.subject,
        body=notification.body,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


def outbox_out(message: OutboxMessage) -> OutboxMessageOut:
    return OutboxMessageOut(
        id=message.pk,
        channel=message.channel,
        to=services.mask_address(message.channel, message.to),
        language=message.language,
        subject=message.subject,
        body=message.body,
        created_at=message.created_at,
    )


@router.get("", response={200: list[NotificationOut], 401: ErrorOut, 422: ErrorOut}, auth=api_auth)
def inbox(request: HttpRequest, filters: Query[InboxFilter]) -> list[NotificationOut]:
    """The caller's in-app messages, newest first (`unread=true`: only those not yet read)."""
    messages = services.inbox_of(_caller(request))
    if filters.unread:
        messages = messages.filter(read_at__isnull=True)
    return [notification_out(n) for n in messages.order_by("-created_at", "-id")[: filters.limit]]


@router.post("/read-all", response={200: MarkedOut, 401: ErrorOut}, auth=api_auth)
def read_all(request: HttpRequest) -> MarkedOut:
    """Mark every message in the caller's inbox as read; how many were unread."""
    return MarkedOut(marked=services.mark_all_read(_caller(request), request=request))


@router.post(
    "/{notification_id}/read", response={200: NotificationOut, 401: ErrorOut, 404: ErrorOut}, auth=api_auth
)
def read_one(request: HttpRequest, notification_id: int) -> NotificationOut:
    """Mark one of the caller's messages as read (anyone else's is 404)."""
    return notification_out(services.mark_read(_caller(request), notification_id, request=request))


@router.get(
    "/outbox",
    response={200: list[OutboxMessageOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def outbox(request: HttpRequest, filters: Query[OutboxFilter]) -> list[OutboxMessageOut]:
    """Staff: what the sandbox sender would have sent (SMS and email), newest first; the
    addresses are masked."""
    require_role(_caller(request), *STAFF_ROLES)
    channel = filters.channel.value if filters.channel else None
    return [outbox_out(m) for m in services.outbox(channel)[: filters.limit]]
