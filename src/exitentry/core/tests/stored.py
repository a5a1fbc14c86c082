"""What a column holds in the database itself, past the model's fields (ciphertext, digests), and
the encryption data migrations run on the test database."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.db import connection

from exitentry.core.fields import encrypt_existing_rows


def raw(table: str, column: str, pk: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def store_raw(table: str, pk: int, **columns: Any) -> None:
    """Write the columns' values as they are, past the fields: a row as it was before a migration."""
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*columns.values(), pk])


def encryption_migration(model_label: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """The model's `encrypt_existing_rows` forward and backward steps, ready to run."""
    forward, backward = encrypt_existing_rows(model_label)
    editor = SimpleNamespace(connection=connection)
    return partial(forward, apps, editor), partial(backward, apps, editor)
