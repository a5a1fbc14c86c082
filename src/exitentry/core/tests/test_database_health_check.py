"""The PostgreSQL health check: free while the connection is sound, a reconnect once it is not."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _terminate_from_another_connection(backend_pid: int) -> None:
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    finally:
        other.close()


def test_a_sound_connection_passes_without_a_statement(monkeypatch):
    connection.ensure_connection()

    def select_one(self):
        raise AssertionError("SELECT 1 sent although nothing was waiting on the socket")

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", select_one)

    assert connection.is_usable() is True


def test_a_connection_the_server_dropped_is_replaced_before_the_next_request_uses_it():
    connection.ensure_connection()
    dropped_pid = connection.connection.info.backend_pid
    _terminate_from_another_connection(dropped_pid)

    # The server's goodbye reaches the socket in a moment; until then the connection looks idle.
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert connection.is_usable() is False

    # What Django does at the start of a request with CONN_HEALTH_CHECKS.
    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()

    assert connection.vendor == "postgresql"
    assert type(connections["default"]).__module__ == "exitentry.core.postgresql.base"
    assert new_pid != dropped_pid


def test_hot_statements_are_prepared_on_the_server_after_five_runs():
    """Django leaves psycopg's prepared statements off unless asked; the settings ask (ADR 0013)."""
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    sql = "SELECT %s::int + 1"
    with connection.cursor() as cursor:
        for number in range(7):
            cursor.execute(sql, [number])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%::int + 1%"])
        assert cursor.fetchone() == (1,)
