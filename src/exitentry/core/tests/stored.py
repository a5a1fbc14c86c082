"""What a column holds in the database itself, past the model's fields (ciphertext, digests)."""

from __future__ import annotations

from django.db import connection


def raw(table: str, column: str, pk: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]
