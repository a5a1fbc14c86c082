"""A counter in the shared cache (Redis in production): rate limits and throttles count with it."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis import exceptions as redis_errors


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
    full_key = backend.make_key(key)
    count, _other = _run_count_script(backend, [full_key], [expires_in])
    return int(count)


def increment_and_read(key: str, *, expires_in: int, others: Sequence[str]) -> tuple[int, int]:
    """`increment(key)` and the sum of the counters `others` (missing ones count 0), in one round trip."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _increment_and_read_in_redis(backend, key, expires_in, others)
    return increment(key, expires_in=expires_in), sum(int(cache.get(other, 0)) for other in others)


def _increment_and_read_in_redis(
    backend: Any, key: str, expires_in: int, others: Sequence[str]
) -> tuple[int, int]:
    # make_key, not make_and_validate_key: the validation warns about keys memcached would refuse,
    # which Redis takes, and its character-by-character check cost more than the key itself.
    full_key = backend.make_key(key)
    # Counters live on the write server, so the others are read there too.
    count, others_sum = _run_count_script(
        backend, [full_key, *(backend.make_key(other) for other in others)], [expires_in]
    )
    return int(count), int(others_sum or 0)


# INCR creates a missing counter at 1; EXPIRE NX gives only a new one its expiry; the other keys,
# if any, are read and summed. One command, run atomically by Redis (it replaced a MULTI/EXEC
# pipeline of four or five commands, each with its own reply to parse).
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
local others = 0
for index = 2, #KEYS do others = others + (tonumber(redis.call('GET', KEYS[index])) or 0) end
return {count, others}
"""


def _run_count_script(backend: Any, keys: list[str], args: list[Any]) -> Any:
    """EVALSHA on this thread's own connection to the write server, sent and read directly.

    Every rate-limited request runs this, and redis-py's command path (retry wrapper, response
    callbacks, script object) and its pool (a lock, a readiness poll and connection metrics at
    every checkout and return) cost more CPU than the command itself. Anything unusual (the
    script not loaded yet, a dropped connection) is handed to redis-py's own path, which loads
    the script and retries.
    """
    script = _script(backend)
    connection = _thread_connection(_write_client(backend).connection_pool)
    try:
        connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return connection.read_response()
    except redis_errors.NoScriptError:
        pass  # an error reply, read whole: the connection stays usable
    except (redis_errors.ConnectionError, redis_errors.TimeoutError):
        connection.disconnect()
    except BaseException:
        # A reply may be left half read: the next command must not read it as its own.
        connection.disconnect()
        raise
    return script(keys=keys, args=args)


_threads = threading.local()


def _thread_connection(pool: Any) -> Any:
    """This thread's connection to the pool's server, made with the pool's settings but kept
    outside it (a web worker's threads are few and long-lived; one closes with its thread).
    A new one is made for another pool, or in a process forked after this one was made."""
    held = getattr(_threads, "redis", None)
    if held is None or held[0] is not pool or held[1] != os.getpid():
        held = (pool, os.getpid(), pool.connection_class(**pool.connection_kwargs))
        _threads.redis = held
    return held[2]


def _script(backend: Any) -> Any:
    """The counting script on the write server's client (loaded by EVALSHA's fallback on first use)."""
    cache_client = backend._cache
    script = getattr(cache_client, "exitentry_count_script", None)
    if script is None:
        script = _write_client(backend).register_script(_COUNT_SCRIPT)
        cache_client.exitentry_count_script = script
    return script


def _write_client(backend: Any) -> Any:
    """The client for the write server, made once per cache object (Django makes a new one per call,
    which cost more CPU than the round trip; the connection pool behind it is the same)."""
    cache_client = backend._cache
    client = getattr(cache_client, "exitentry_write_client", None)
    if client is None:
        client = cache_client.get_client(None, write=True)
        cache_client.exitentry_write_client = client
    return client
