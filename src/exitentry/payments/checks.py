"""A deployment that takes real money must not be left on the sandbox gateway by accident."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security)
def sandbox_gateways_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    sandboxed = sorted(
        channel for channel, path in settings.PAYMENT_GATEWAYS.items() if path.endswith(".SandboxGateway")
    )
    if not sandboxed:
        return []
    return [
        Warning(
            f"Payment channels {', '.join(sandboxed)} use the sandbox gateway in production: no real "
            "money can be taken, and anyone holding PAYMENTS_SANDBOX_SECRET can mark orders paid.",
            hint="Set PAYMENT_GATEWAY_<CHANNEL> to a real gateway class for each channel.",
            id="payments.W001",
        )
    ]
