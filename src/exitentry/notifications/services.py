"""Queuing, rendering, sending and reading notifications.

`notify(recipient, template_code, context, channels=..., dedupe_key=...)` renders the template
in the recipient's language (their account's preferred language, else Simplified Chinese),
stores one `Notification` per channel and, after commit, hands SMS and email to the sending task.
In-app messages are delivered by being stored. Call it from `transaction.on_commit`, so nobody
is told about a change that was rolled back. The same `dedupe_key` on the same channel is one
notification, however often it is asked for (a unique constraint settles races).

`send_notification` claims a queued notification with a conditional UPDATE (`queued → sending`),
so two workers never both send it; a failure puts it back with exponential backoff until
`NOTIFICATION_MAX_ATTEMPTS`, then marks it failed. `send_due_notifications` (run every minute by
the scheduler) sends what is due, and hands over again anything a crashed worker left `sending`
for too long; senders recognise the repeat by the idempotency key and do not send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import User
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import InvalidInput, NotFound
from exitentry.core.i18n import LANGUAGE_CODES, localized
from exitentry.core.masking import mask_phone
from exitentry.identity.models import Person
from exitentry.notifications.adapters import OutgoingMessage, sender_for
from exitentry.notifications.models import (
    PLACEHOLDER,
    Notification,
    NotificationChannel,
    NotificationStatus,
    NotificationTemplate,
    OutboxMessage,
    placeholders_in,
)

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = (NotificationChannel.SMS, NotificationChannel.IN_APP)
LIST_SEPARATORS = {"zh-hans": "、", "ja": "、"}


class UnknownTemplate(InvalidInput):
    code = "unknown_notification_template"
    default_message = _("There is no notification template with this code.")


class MissingContext(InvalidInput):
    code = "notification_context_missing"
    default_message = _("The notification needs information that was not given.")


class InvalidRecipient(InvalidInput):
    code = "invalid_recipient"
    default_message = _("A notification goes to an account or a person.")


class InvalidChannel(InvalidInput):
    code = "invalid_channel"
    default_message = _("There is no such notification channel.")


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    default_message = _("There is no such message.")


# ---------------------------------------------------------------------------------------------
# Rendering


def language_of(user: User | None) -> str:
    """The recipient's language: their preferred one if we speak it, else Simplified Chinese."""
    code = ((user.preferred_language if user is not None else "") or "").strip().lower().replace("_", "-")
    if code in LANGUAGE_CODES:
        return code
    if code.startswith("zh"):
        return "zh-hans"
    base = code.split("-")[0]
    return base if base in LANGUAGE_CODES else settings.LANGUAGE_CODE


def _text(value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        return localized(value, language)
    if isinstance(value, dt.datetime):
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return LIST_SEPARATORS.get(language, ", ").join(_text(item, language) for item in value)
    return str(value)


def render(template: NotificationTemplate, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and body in `language`, with each `{name}` replaced from `context`."""
    subject = template.text_for("subjects", language)
    body = template.text_for("bodies", language)
    missing = sorted((placeholders_in(subject) | placeholders_in(body)) - set(context))
    if missing:
        raise MissingContext(template=template.code, missing=missing)

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda match: _text(context[match.group(1)], language), text)

    return fill(subject), fill(body)


# ---------------------------------------------------------------------------------------------
# Queuing


def _recipient(recipient: Any) -> tuple[User | None, Person | None]:
    if isinstance(recipient, User):
        return recipient, recipient.person
    if isinstance(recipient, Person):
        return getattr(recipient, "account", None), recipient
    raise InvalidRecipient()


def _address(channel: str, user: User | None, person: Person | None) -> str:
    if channel == NotificationChannel.SMS:
        return ((user.phone if user else "") or (person.phone if person else "") or "").strip()
    if channel == NotificationChannel.EMAIL:
        return ((user.email if user else "") or "").strip()
    return ""


def notify(
    recipient: User | Person | None,
    template_code: str,
    context: Mapping[str, Any],
    *,
    channels: Iterable[str] = DEFAULT_CHANNELS,
    dedupe_key: str | None = None,
    phone: str | None = None,
    language: str | None = None,
) -> list[Notification]:
    """Queue `template_code` for `recipient` on each channel; the notifications, new or existing.

    `phone` sends the SMS to that number instead of the one on file, and allows no recipient at
    all (a walk-in who typed a number at the ticket machine); `language` (one we speak) then
    replaces the recipient's preferred language.
    """
    channels = list(dict.fromkeys(channels))
    unknown = [channel for channel in channels if channel not in NotificationChannel.values]
    if unknown or not channels:
        raise InvalidChannel(channels=unknown)
    if dedupe_key is not None and not 0 < len(dedupe_key) <= 200:
        raise InvalidInput(field="dedupe_key")
    template = NotificationTemplate.objects.filter(code=template_code, is_active=True).first()
    if template is None:
        raise UnknownTemplate(template=template_code)
    user, person = (None, None) if recipient is None and phone else _recipient(recipient)
    language = language if language is not None and language in LANGUAGE_CODES else language_of(user)
    subject, body = render(template, language, context)

    notifications: list[Notification] = []
    with transaction.atomic():
        for channel in channels:
            if dedupe_key is not None:
                existing = Notification.objects.filter(dedupe_key=dedupe_key, channel=channel).first()
                if existing is not None:
                    notifications.append(existing)
                    continue
            if channel == NotificationChannel.IN_APP and user is None:
                continue  # no account, no inbox
            notification = _create(
                channel,
                template,
                language,
                subject,
                body,
                user=user,
                person=person,
                dedupe_key=dedupe_key,
                phone=phone,
            )
            notifications.append(notification)
        queued = [n.pk for n in notifications if n.status == NotificationStatus.QUEUED]
        for notification_id in queued:
            transaction.on_commit(partial(_enqueue_send, notification_id))
    return notifications


def _create(
    channel: str,
    template: NotificationTemplate,
    language: str,
    subject: str,
    body: str,
    *,
    user: User | None,
    person: Person | None,
    dedupe_key: str | None,
    phone: str | None = None,
) -> Notification:
    now = clock.now()
    address = phone if phone and channel == NotificationChannel.SMS else _address(channel, user, person)
    status, error, sent_at = NotificationStatus.QUEUED, "", None
    if channel == NotificationChannel.IN_APP:
        status, sent_at = NotificationStatus.SENT, now
    elif not address:
        status, error = NotificationStatus.FAILED, f"no {channel} address on file"
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient_user=user,
                recipient_person=person,
                channel=channel,
                template_code=template.code,
                language=language,
                address=address,
                subject=subject[:300],
                body=body,
                status=status,
                dedupe_key=dedupe_key or "",
                next_attempt_at=now,
                last_error=error,
                created_at=now,
                sent_at=sent_at,
            )
            record_event(
                "notifications.queued",
                actor="system",
                obj=notification,
                template=template.code,
                channel=channel,
                language=language,
                status=status,
            )
    except IntegrityError:
        existing = Notification.objects.filter(dedupe_key=dedupe_key, channel=channel).first()
        if dedupe_key is None or existing is None:
            raise
        return existing  # a concurrent call with the same key won
    return notification


def _enqueue_send(notification_id: int) -> None:
    from exitentry.notifications.tasks import send_notification

    send_notification.enqueue(notification_id)


# ---------------------------------------------------------------------------------------------
# Sending


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: base, 2×base, 4×base, ... capped."""
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_SECONDS))


def send_notification(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one due notification if nobody else is; its status afterwards."""
    now = now or clock.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    if not claimed:
        return notification.status
    message = OutgoingMessage(
        channel=notification.channel,
        to=notification.address,
        language=notification.language,
        subject=notification.subject,
        body=notification.body,
        idempotency_key=notification.idempotency_key,
    )
    try:
        provider_id = sender_for(notification.channel).send(message)
    except Exception as exc:  # any sender failure: try again later (or give up after the last try)
        logger.warning(
            "notification %s not sent (attempt %s): %s", notification.pk, notification.attempts, exc
        )
        return _after_failure(notification, f"{type(exc).__name__}: {exc}", now)
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
            status=NotificationStatus.SENT,
            sent_at=clock.now(),
            provider_message_id=str(provider_id)[:100],
            last_error="",
        )
        record_event("notifications.sent", actor="system", obj=notification, attempts=notification.attempts)
    return NotificationStatus.SENT


def _after_failure(notification: Notification, error: str, now: dt.datetime) -> str:
    with transaction.atomic():
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
                status=NotificationStatus.FAILED, last_error=error[:500]
            )
            record_event(
                "notifications.failed", actor="system", obj=notification, attempts=notification.attempts
            )
            return NotificationStatus.FAILED
        retry_at = now + retry_delay(notification.attempts)
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
            status=NotificationStatus.QUEUED, next_attempt_at=retry_at, last_error=error[:500]
        )
        record_event(
            "notifications.retry_scheduled",
            actor="system",
            obj=notification,
            attempts=notification.attempts,
            retry_at=retry_at.isoformat(),
        )
        transaction.on_commit(partial(_enqueue_retry, notification.pk, retry_at))
    return NotificationStatus.QUEUED


def _enqueue_retry(notification_id: int, retry_at: dt.datetime) -> None:
    from exitentry.notifications.tasks import send_notification as task

    # Backends that can defer get the retry at its time; otherwise `send_due_notifications`,
    # run by the scheduler, picks it up.
    if task.get_backend().supports_defer:
        task.using(run_after=retry_at).enqueue(notification_id)


def send_due_notifications(now: dt.datetime | None = None, *, batch: int = 200) -> int:
    """Send every notification that is due; how many were sent."""
    now = now or clock.now()
    stale = now - dt.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    for notification in Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=stale)[
        :batch
    ]:
        with transaction.atomic():
            released = Notification.objects.filter(
                pk=notification.pk, status=NotificationStatus.SENDING, claimed_at=notification.claimed_at
            ).update(status=NotificationStatus.QUEUED, next_attempt_at=now)
            if released:
                record_event("notifications.requeued", actor="system", obj=notification)
    due = (
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(1 for notification_id in list(due) if send_notification(notification_id, now=now) == "sent")


# ---------------------------------------------------------------------------------------------
# Reading


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_user=user, channel=NotificationChannel.IN_APP)


def unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def mark_read(user: User, notification_id: int, *, request: HttpRequest | None = None) -> Notification:
    with transaction.atomic():
        notification = inbox_of(user).filter(pk=notification_id).first()
        if notification is None:
            raise NotificationNotFound(notification=notification_id)
        now = clock.now()
        if inbox_of(user).filter(pk=notification_id, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
            record_event("notifications.read", actor=user, obj=notification, request=request)
    return notification


def mark_all_read(user: User, *, request: HttpRequest | None = None) -> int:
    with transaction.atomic():
        count = inbox_of(user).filter(read_at__isnull=True).update(read_at=clock.now())
        if count:
            record_event(
                "notifications.all_read",
                actor=user,
                object_type="accounts.user",
                object_id=user.pk,
                request=request,
                count=count,
            )
    return count


def mask_address(channel: str, address: str) -> str:
    """A phone number or email address fit for a list: `138****5678`, `a***@example.com`."""
    if channel == NotificationChannel.EMAIL and "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


def outbox(channel: str | None = None) -> QuerySet[OutboxMessage]:
    messages = OutboxMessage.objects.all()
    return messages.filter(channel=channel) if channel else messages


def save_template(template: NotificationTemplate, *, actor: Any, request: HttpRequest | None = None) -> None:
    """Save an edited template (validated: all five languages, declared placeholders only)."""
    with transaction.atomic():
        creating = template._state.adding
        template.full_clean()
        template.save()
        record_event(
            "notifications.template_created" if creating else "notifications.template_changed",
            actor=actor,
            obj=template,
            request=request,
            after={
                "code": template.code,
                "is_active": template.is_active,
                "placeholders": template.placeholders,
            },
        )
