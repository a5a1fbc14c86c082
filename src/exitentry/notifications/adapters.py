"""Senders for SMS and email, chosen per channel by `settings.NOTIFICATION_SENDERS`.

A sender gets one `OutgoingMessage` and returns the provider's message id, or raises to say
"not sent, try later". The message carries an idempotency key: a sender must treat a repeat of
the same key as the same message (SMS gateways take it as the client's message id), because
after a crash between "handed over" and "recorded as sent" the message is handed over again.

- `SandboxOutbox` (default): stores what would be sent in `OutboxMessage`; the staff outbox page
  shows it, so demos can show the texts. Unique on the key: a repeat stores nothing new.
- `DjangoEmailSender`: real email through Django's configured email backend (`EMAIL_*` settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from exitentry.core import clock
from exitentry.notifications.models import OutboxMessage


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str
    to: str
    language: str
    subject: str
    body: str
    idempotency_key: str


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> str: ...


class SandboxOutbox:
    def send(self, message: OutgoingMessage) -> str:
        stored, _created = OutboxMessage.objects.get_or_create(
            idempotency_key=message.idempotency_key,
            defaults={
                "channel": message.channel,
                "to": message.to,
                "language": message.language,
                "subject": message.subject,
                "body": message.body,
                "created_at": clock.now(),
            },
        )
        return f"outbox-{stored.pk}"


class DjangoEmailSender:
    def send(self, message: OutgoingMessage) -> str:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"X-Idempotency-Key": message.idempotency_key, "Content-Language": message.language},
        )
        email.send(fail_silently=False)
        return message.idempotency_key


def sender_for(channel: str) -> Sender:
    path = settings.NOTIFICATION_SENDERS.get(channel)
    if not path:
        raise LookupError(f"no sender configured for channel {channel!r}")
    sender: Sender = import_string(path)()
    return sender
