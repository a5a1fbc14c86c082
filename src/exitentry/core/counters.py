"""A counter in the shared cache (Redis in production): rate limits and throttles count with it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def increment(key: str, *, expires_in: int) -> int:
    """Add one to the counter `key` and return the new count; a new counter lives `expires_in` seconds."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _increment_in_redis(backend, key, expires_in)
    # add() creates the counter with its expiry only when absent; incr() is atomic in every backend.
    cache.add(key, 0, timeout=expires_in)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter expired between add() and incr()
        cache.set(key, 1, timeout=expires_in)
        return 1


def _increment_in_redis(backend: Any, key: str, expires_in: int) -> int:
    # One round trip: INCR creates a missing counter at 1; EXPIRE NX gives only a new one its expiry.
    full_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(full_key, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.incr(full_key)
    pipe.expire(full_key, expires_in, nx=True)
    count, _expiry_set = pipe.execute()
    return int(count)
