"""Rate-limit counters: one per key and window, in the local cache and in Redis."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test.utils import override_settings

from exitentry.core.counters import _thread_connection, increment, increment_and_read

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def test_counts_up_from_one_in_the_local_cache() -> None:
    key = f"test:{uuid.uuid4().hex}"
    assert [increment(key, expires_in=60) for _ in range(3)] == [1, 2, 3]


@pytest.fixture
def redis_cache() -> Iterator[None]:
    settings_value = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    with override_settings(CACHES=settings_value):
        backend = caches["default"]
        try:
            backend.get("ping")
        except Exception as error:  # any connection failure means no Redis here
            pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
        yield


def test_counts_up_in_redis_with_one_expiry_set_by_the_first_count(redis_cache: None) -> None:
    key = f"test:{uuid.uuid4().hex}"
    backend = caches["default"]

    counts = [increment(key, expires_in=90) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert backend.get(key) == 3
    full_key = backend.make_and_validate_key(key)
    ttl = backend._cache.get_client(full_key).ttl(full_key)  # type: ignore[attr-defined]
    assert 85 <= ttl <= 90
    assert increment(key, expires_in=5) == 4
    assert backend._cache.get_client(full_key).ttl(full_key) > 5  # type: ignore[attr-defined]
    backend.delete(key)


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_counts_one_and_reads_another_in_one_go(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    key, other, third = (f"test:{uuid.uuid4().hex}" for _ in range(3))

    assert increment_and_read(key, expires_in=60, others=[other, third]) == (1, 0)
    increment(other, expires_in=60)
    increment(other, expires_in=60)
    assert increment_and_read(key, expires_in=60, others=[other, third]) == (2, 2)
    increment(third, expires_in=60)
    assert increment_and_read(key, expires_in=60, others=[other, third]) == (3, 3)
    assert increment_and_read(key, expires_in=60, others=[]) == (4, 0)
    caches["default"].delete_many([key, other, third])


def _redis_client():  # the write server's client behind the cache
    backend = caches["default"]
    return backend._cache.get_client(None, write=True)  # type: ignore[attr-defined]


def test_counts_on_when_redis_has_forgotten_the_script(redis_cache: None) -> None:
    key = f"test:{uuid.uuid4().hex}"
    assert increment(key, expires_in=60) == 1

    _redis_client().script_flush()  # as after a Redis restart

    assert increment(key, expires_in=60) == 2
    assert increment(key, expires_in=60) == 3
    caches["default"].delete(key)


def _client_id(connection) -> int:
    connection.send_command("CLIENT", "ID")
    return int(connection.read_response())


def test_counts_on_when_redis_has_dropped_the_connection(redis_cache: None) -> None:
    key = f"test:{uuid.uuid4().hex}"
    assert increment(key, expires_in=60) == 1
    pool = _redis_client().connection_pool
    counting_id = _client_id(_thread_connection(pool))

    # Only this thread's counting connection is closed by the server (others may belong to
    # parallel tests).
    killer = pool.connection_class(**pool.connection_kwargs)
    killer.send_command("CLIENT", "KILL", "ID", counting_id)
    assert killer.read_response() == 1
    killer.disconnect()

    assert increment(key, expires_in=60) == 2
    assert increment(key, expires_in=60) == 3
    caches["default"].delete(key)


def test_each_thread_counts_on_a_connection_of_its_own(redis_cache: None) -> None:
    key = f"test:{uuid.uuid4().hex}"
    pool = _redis_client().connection_pool
    connection_ids: list[int] = []
    counts: list[int] = []

    def count_fifty() -> None:
        counts.extend(increment(key, expires_in=60) for _ in range(50))
        connection_ids.append(_client_id(_thread_connection(pool)))

    threads = [threading.Thread(target=count_fifty) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counts) == list(range(1, 201))
    assert len(set(connection_ids)) == 4
    caches["default"].delete(key)
