"""Counting failures per key in the cache (Redis in production, shared by all workers)."""

from __future__ import annotations

from django.core.cache import cache


def failures(key: str) -> int:
    return int(cache.get(f"throttle:{key}", 0))


def add_failure(key: str, window_seconds: int) -> int:
    cache_key = f"throttle:{key}"
    # add() creates the counter with its expiry only when absent; incr() is atomic in Redis.
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(cache_key))
    except ValueError:
        cache.set(cache_key, 1, timeout=window_seconds)
        return 1


def clear(key: str) -> None:
    cache.delete(f"throttle:{key}")
