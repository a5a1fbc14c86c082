"""Reference data that hot paths read on every request, kept a few seconds in each process.

A booking batch brings thousands of requests a second that all read the same opening hours,
closures, calendar days, booking policy and service rules, which change a few times a year.
Each process keeps what it loaded for `REFERENCE_CACHE_SECONDS` (so a change made in another
process is seen within that time) and forgets everything at once when a reference row is saved
or deleted in this process. The rules that keep places from being oversold (the conditional
UPDATE, the CHECK constraint, the unique index) never depend on cached data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_MAX_ENTRIES = 20_000
_entries: dict[Hashable, tuple[float, Any]] = {}


def remember(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or what it returned for `key` less than REFERENCE_CACHE_SECONDS ago."""
    lifetime = settings.REFERENCE_CACHE_SECONDS
    if lifetime <= 0:
        return load()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    if len(_entries) >= _MAX_ENTRIES:
        forget_all()
    _entries[key] = (now + lifetime, value)
    return value


def forget_all(**_signal_arguments: Any) -> None:
    _entries.clear()


def forget_on_change(*model_classes: type[models.Model]) -> None:
    """Drop the cache whenever a row of these models is saved or deleted in this process."""
    for model in model_classes:
        post_save.connect(forget_all, sender=model, dispatch_uid=f"refcache-save-{model._meta.label}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"refcache-delete-{model._meta.label}")
