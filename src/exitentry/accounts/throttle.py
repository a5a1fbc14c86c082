"""Counting failures per key in the cache (Redis in production, shared by all workers)."""

from __future__ import annotations

from django.core.cache import cache

from exitentry.core.counters import increment


def failures(key: str) -> int:
    return int(cache.get(f"throttle:{key}", 0))


def add_failure(key: str, window_seconds: int) -> int:
    return increment(f"throttle:{key}", expires_in=window_seconds)


def clear(key: str) -> None:
    cache.delete(f"throttle:{key}")
