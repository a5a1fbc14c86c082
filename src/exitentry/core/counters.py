"""A counter in the shared cache (Redis in production): rate limits and throttles count with it."""

from __future__ import annotations

from django.core.cache import cache


def increment(key: str, *, expires_in: int) -> int:
    """Add one to the counter `key` and return the new count; a new counter lives `expires_in` seconds."""
    # add() creates the counter with its expiry only when absent; incr() is atomic in Redis.
    cache.add(key, 0, timeout=expires_in)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout=expires_in)
        return 1
