"""Structured logs: JSON lines in production, readable lines in development, never personal data.

Every record passes through `mask_personal_data`, which replaces anything shaped like a
mainland ID number (18 characters) or a mobile phone number
with its masked form (`core.masking`), wherever it appears: in the message, in bound values or
in nested structures. The request id bound by `RequestIdMiddleware` is on every line logged
while a request is handled.

This module is imported by the settings, so it must not import Django models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import structlog

from exitentry.core.masking import mask_id_number, mask_phone

# 18-character resident ID (17 digits + digit or X), not part of a longer run of digits.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
# Mainland mobile numbers, optionally with +86 / 86 in front.
PHONE = re.compile(r"(?<!\d)(?P<prefix>(?:\+?86[- ]?)?)(?P<number>1[3-9]\d{9})(?!\d)")


def mask_text(text: str) -> str:
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE.sub(lambda m: m.group("prefix") + mask_phone(m.group("number")), text)


def _mask(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {key: _mask(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_mask(item, depth + 1) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return mask_text(str(value)) if value > 10**10 else value
    # Anything else (a request, a model instance) is logged by its text: mask that text.
    return mask_text(str(value))


def mask_personal_data(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: mask ID and phone numbers anywhere in the event."""
    return {
        # exc_info is rendered (and masked) later; `_record` and friends are structlog's own.
        key: value if key == "exc_info" or key.startswith("_") else _mask(value)
        for key, value in event_dict.items()
    }


def mask_exception_text(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Runs after the traceback is rendered: exception messages can quote input too."""
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = mask_text(event_dict["exception"])
    return event_dict


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.stdlib.ExtraAdder(),
    mask_personal_data,
]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, json: bool, level: str) -> dict[str, Any]:
    """The `LOGGING` setting: stdlib and structlog loggers through one masking formatter."""
    configure_structlog()
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        final += [structlog.processors.format_exc_info, mask_exception_text]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [*final, renderer],
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # One line per request comes from RequestIdMiddleware; Django's own would repeat it.
            "django.server": {"level": "WARNING"},
        },
    }
