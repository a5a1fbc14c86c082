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
    pipe = _write_client(backend).pipeline(transaction=True)
    pipe.incr(full_key)
    pipe.expire(full_key, expires_in, nx=True)
    count, _expiry_set = pipe.execute()
    return int(count)


def increment_and_read(key: str, *, expires_in: int, other: str) -> tuple[int, int]:
    """`increment(key)` and the current count of the counter `other` (0 if none), in one round trip."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _increment_and_read_in_redis(backend, key, expires_in, other)
    return increment(key, expires_in=expires_in), int(cache.get(other, 0))


def _increment_and_read_in_redis(backend: Any, key: str, expires_in: int, other: str) -> tuple[int, int]:
    full_key = backend.make_and_validate_key(key)
    # Counters live on the write server, so `other` is read there too.
    pipe = _write_client(backend).pipeline(transaction=True)
    pipe.incr(full_key)
    pipe.expire(full_key, expires_in, nx=True)
    pipe.get(backend.make_and_validate_key(other))
    count, _expiry_set, other_count = pipe.execute()
    return int(count), int(other_count or 0)


def _write_client(backend: Any) -> Any:
    """The client for the write server, made once per cache object (Django makes a new one per call,
    which cost more CPU than the round trip; the connection pool behind it is the same)."""
    cache_client = backend._cache
    client = getattr(cache_client, "exitentry_write_client", None)
    if client is None:
        client = cache_client.get_client(None, write=True)
        cache_client.exitentry_write_client = client
    return client
