"""Writing and reading one model row with SQL built once per model, for the hot paths (ADR 0011).

`Model.objects.create` spends far more of the server's time building its INSERT (save
machinery, signals, the SQL compiler) than the database spends running it. `insert` writes the
same row, every concrete field prepared by the field itself (`pre_save` and `get_db_prep_save`:
defaults, encryption, digests and JSON are as the ORM writes them), with an INSERT made once per
model and database. It sends no `pre_save`/`post_save` signals: use it only for models that no
receiver listens to. `prefix` (with `prefix_params`) is put before the INSERT, e.g. a
`WITH … AS (UPDATE …)` that PostgreSQL runs in the same statement.

`select_list` and `instance` are the reading side: a written-out SELECT names the model's
columns in a known order, and `instance` makes the fetched row a model instance with every
value converted as the ORM converts it (the backend's and the field's converters: datetimes on
SQLite, decryption of encrypted fields). `Model.objects.raw` would do the same from the cursor's
description, which psycopg builds column by column at a cost larger than the statement's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, models

_STATEMENTS: dict[tuple[type[models.Model], str], tuple[str, list[Any], bool]] = {}
ModelT = TypeVar("ModelT", bound=models.Model)
_READERS: dict[tuple[type[models.Model], str], tuple[list[str], list[tuple[int, list[Any], Any]]]] = {}


def _returned(field: Any) -> bool:
    """Whether the database makes the value (an auto-incremented primary key)."""
    return bool(getattr(field, "db_returning", False))


def _statement(model: type[models.Model], connection: Any) -> tuple[str, list[Any], bool]:
    key = (model, connection.alias)
    statement = _STATEMENTS.get(key)
    if statement is None:
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        fields = [field for field in meta.local_concrete_fields if field is not pk or not _returned(field)]
        quote = connection.ops.quote_name
        returning = bool(connection.features.can_return_columns_from_insert and _returned(pk))
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Names from the model, values as parameters.
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        if returning:
            sql += f" RETURNING {quote(pk.column)}"
        statement = (sql, fields, returning)
        _STATEMENTS[key] = statement
    return statement


def insert(
    obj: models.Model, *, using: str = "default", prefix: str = "", prefix_params: Sequence[Any] = ()
) -> models.Model:
    """INSERT `obj` (a new instance) as one statement and set its primary key."""
    connection = connections[using]
    sql, fields, returning = _statement(type(obj), connection)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for field in fields]
    pk = obj._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, [*prefix_params, *params])
        if returning:
            value = cursor.fetchone()[0]
        elif _returned(pk):
            value = connection.ops.last_insert_id(cursor, obj._meta.db_table, pk.column)
        else:
            value = None
    if value is not None:
        setattr(obj, pk.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return obj


def select_list(model: type[models.Model], table_alias: str, *, using: str = "default") -> str:
    """`alias.col, alias.col, …`: the model's concrete columns, in the order `instance` reads them."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{table_alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def column_count(model: type[models.Model]) -> int:
    """How many columns `select_list(model, …)` names."""
    return len(model._meta.concrete_fields)


def _reader(model: type[models.Model], connection: Any) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
    key = (model, connection.alias)
    reader = _READERS.get(key)
    if reader is None:
        fields = list(model._meta.concrete_fields)
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        reader = ([field.attname for field in fields], converters)
        _READERS[key] = reader
    return reader


def instance(model: type[ModelT], row: Sequence[Any], *, using: str = "default") -> ModelT:
    """The model instance for a row selected with `select_list(model, …)` (leading columns)."""
    connection = connections[using]
    attnames, converters = _reader(model, connection)
    values = list(row[: len(attnames)])
    for index, found, column in converters:
        value = values[index]
        for converter in found:
            value = converter(value, column, connection)
        values[index] = value
    return model.from_db(using, attnames, values)
