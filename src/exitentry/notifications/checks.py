"""A production deployment should really send its text messages and emails."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register()
def sandbox_senders_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    sandboxed = sorted(
        channel for channel, path in settings.NOTIFICATION_SENDERS.items() if path.endswith(".SandboxOutbox")
    )
    if not sandboxed:
        return []
    return [
        Warning(
            f"Notification channels {', '.join(sandboxed)} only store messages in the sandbox outbox "
            "in production; nobody receives them.",
            hint="Set SMS_SENDER and EMAIL_SENDER to real senders.",
            id="notifications.W001",
        )
    ]
