"""Model fields for personal numbers encrypted at rest, their keyed digests, and re-encryption.

    id_number = EncryptedCharField(_("resident ID number"), max_length=18, kind="id_number",
                                   digest_field="id_number_digest", null=True, blank=True)
    id_number_digest = DigestField(source="id_number", unique=True)

`person.id_number` is the clear value in Python; the column holds `e1:<key id>:…` (a text column;
`max_length` applies to the clear value). `DigestField.pre_save` keeps the digest in step on every
`save()`/`bulk_create()` (callers of `update()`/`bulk_update()` pass both). Lookups:
`exact`, `iexact` and `in` are answered from the digest column, so `filter(id_number=x)`,
`get(person__id_number=x)` and the admin's `=id_number` search keep working and use its index;
`isnull` and comparisons with "" read the column itself. Every other lookup (`startswith`,
`contains`, ranges) is refused with a FieldError, and ordering by an encrypted field orders by
ciphertext: don't.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import NotSupportedError, connections, models, transaction
from django.db.models.expressions import Col
from django.db.models.lookups import IsNull, Lookup

from exitentry.core import crypto


class _DigestLookup(Lookup):
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return self.rhs

    def _field(self) -> EncryptedCharField:
        field = self.lhs.output_field
        assert isinstance(field, EncryptedCharField)
        if hasattr(self.rhs, "resolve_expression"):
            raise NotSupportedError(f"{field.name}: encrypted fields are compared with plain values only")
        return field

    def _digest_column(self, compiler: Any, field: EncryptedCharField) -> tuple[str, list[Any]]:
        if not field.digest_field or not isinstance(self.lhs, Col):
            raise NotSupportedError(
                f"{field.model.__name__}.{field.name} is encrypted without a digest and cannot be searched"
            )
        digest = field.model._meta.get_field(field.digest_field)
        assert isinstance(digest, models.Field)
        sql, params = compiler.compile(Col(self.lhs.alias, digest))
        return sql, list(params)


class DigestExact(_DigestLookup):
    lookup_name = "exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        field = self._field()
        if self.rhs == "":
            sql, params = compiler.compile(self.lhs)
            return f"{sql} = %s", [*params, ""]
        sql, params = self._digest_column(compiler, field)
        return f"{sql} = %s", [*params, crypto.digest(field.kind, str(self.rhs))]


class DigestIExact(DigestExact):
    lookup_name = "iexact"  # the admin's "=field" search; normalisation already ignores case


class DigestIn(_DigestLookup):
    lookup_name = "in"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        field = self._field()
        values = sorted(
            {crypto.digest(field.kind, str(value)) for value in self.rhs if value not in (None, "")}
        )
        if not values:
            raise EmptyResultSet
        sql, params = self._digest_column(compiler, field)
        return f"{sql} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


_LOOKUPS: dict[str, type[Lookup]] = {
    "exact": DigestExact,
    "iexact": DigestIExact,
    "in": DigestIn,
    "isnull": IsNull,
}


class EncryptedCharField(models.CharField):
    """A CharField whose column holds AES-GCM ciphertext; see the module docstring."""

    def __init__(self, *args: Any, kind: str, digest_field: str | None = None, **kwargs: Any) -> None:
        if kind not in crypto.NORMALISERS:
            raise ValueError(f"unknown kind {kind!r}")
        if kwargs.get("unique"):
            raise ValueError("put unique=True on the digest field, not on the encrypted one")
        self.kind = kind
        self.digest_field = digest_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.digest_field:
            kwargs["digest_field"] = self.digest_field
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"  # ciphertext is longer than the clear value

    def get_lookup(self, lookup_name: str) -> Any:
        return _LOOKUPS.get(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value, self.kind)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), self.kind)


class DigestField(models.CharField):
    """The keyed digest of an EncryptedCharField of the same model, refreshed on every save."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("null", True), ("blank", True), ("editable", False)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        source = model_instance._meta.get_field(self.source)
        assert isinstance(source, EncryptedCharField)
        value = crypto.stored_digest(source.kind, getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, value)
        return value


class DigestedModel(models.Model):
    """Base for models with a DigestField: `save(update_fields=[source])` also writes the digest."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            named = set(update_fields)
            digests = [
                field.name
                for field in self._meta.concrete_fields
                if isinstance(field, DigestField) and field.source in named and field.name not in named
            ]
            kwargs["update_fields"] = [*update_fields, *digests]
        super().save(*args, **kwargs)

    def check_unique_through_digest(self, field: str, together_with: str, message: Any, exclude: Any) -> None:
        """A unique constraint on (`together_with`, the digest of `field`), checked for a form.

        A form does not carry the digest (it is made on save), so Django's own validation of that
        constraint sees a stale one; this looks the number up through its digest instead.
        """
        value, scope = getattr(self, field), getattr(self, together_with)
        if not value or not scope or field in (exclude or ()):
            return
        others = (
            type(self)._default_manager.filter(**{together_with: scope, field: value}).exclude(pk=self.pk)
        )
        if others.exists():
            raise ValidationError({field: message})


# --- re-encryption: the data migrations and `exitentry rotate-field-keys` -----------------------


@dataclass(frozen=True)
class _Column:
    column: str
    kind: str
    digest_column: str | None


@dataclass
class Rewritten:
    table: str
    rows: int = 0


def encrypted_columns(model: type[models.Model]) -> list[_Column]:
    columns = []
    for field in model._meta.concrete_fields:
        if isinstance(field, EncryptedCharField):
            digest = model._meta.get_field(field.digest_field) if field.digest_field else None
            column = digest.column if isinstance(digest, models.Field) else None
            columns.append(_Column(field.column, field.kind, column))
    return columns


def rewrite_table(
    model: type[models.Model],
    *,
    using: str = "default",
    batch_size: int = 500,
    legacy_clear: bool = False,
    digests: bool = False,
    decrypt_to_clear: bool = False,
) -> Rewritten:
    """Re-seal one table's encrypted columns with the newest key, batch by batch.

    Selects rows (keyset pagination on the primary key) whose value is not sealed with the newest
    key, or every row when `digests` (recompute the digests under the current lookup key).
    `legacy_clear`: values not in the encrypted format are clear text to encrypt (the first data
    migration); otherwise such a value is an error. `decrypt_to_clear` writes clear text back (only
    for reversing the data migration). Each row is updated only if it still holds the value read
    (`WHERE pk = %s AND col = %s`), so a concurrent edit is never overwritten with a stale one.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.column
    columns = encrypted_columns(model)
    result = Rewritten(table)
    if not columns:
        return result
    ring = crypto.key_ring()
    selected = ", ".join(quote(c.column) for c in columns)
    if digests or decrypt_to_clear:
        needs = "1 = 1"
        params: list[Any] = []
    else:
        needs = " OR ".join(
            f"({quote(c.column)} IS NOT NULL AND {quote(c.column)} <> '' AND {quote(c.column)} NOT LIKE %s)"
            for c in columns
        )
        params = [ring.current_prefix + "%"] * len(columns)
    last: Any = None
    while True:
        after = "" if last is None else f" AND {quote(pk)} > %s"
        sql = (
            # Identifiers come from model metadata, quoted; values are parameters.
            f"SELECT {quote(pk)}, {selected} FROM {quote(table)} WHERE ({needs}){after}"  # noqa: S608
            f" ORDER BY {quote(pk)} LIMIT {int(batch_size)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params + ([] if last is None else [last]))
            rows = cursor.fetchall()
        if not rows:
            return result
        with transaction.atomic(using=using):
            for row in rows:
                result.rows += _rewrite_row(
                    connection,
                    table,
                    pk,
                    columns,
                    row,
                    legacy_clear=legacy_clear,
                    decrypt_to_clear=decrypt_to_clear,
                )
        last = rows[-1][0]


def _rewrite_row(
    connection: Any,
    table: str,
    pk: str,
    columns: list[_Column],
    row: Iterable[Any],
    *,
    legacy_clear: bool,
    decrypt_to_clear: bool,
) -> int:
    quote = connection.ops.quote_name
    pk_value, *stored = row
    sets: list[str] = []
    set_params: list[Any] = []
    where: list[str] = []
    where_params: list[Any] = []
    for column, value in zip(columns, stored, strict=True):
        if value is None or value == "":
            clear = value
        elif crypto.is_encrypted(value):
            clear = crypto.decrypt(value, column.kind)
        elif legacy_clear or decrypt_to_clear:
            clear = value
        else:
            raise crypto.DecryptionError(f"{table}.{column.column} of row {pk_value} is not encrypted")
        new = clear if decrypt_to_clear or not clear else crypto.encrypt(clear, column.kind)
        sets.append(f"{quote(column.column)} = %s")
        set_params.append(new)
        if column.digest_column:
            sets.append(f"{quote(column.digest_column)} = %s")
            set_params.append(crypto.stored_digest(column.kind, clear))
        if value is None:
            where.append(f"{quote(column.column)} IS NULL")
        else:
            where.append(f"{quote(column.column)} = %s")
            where_params.append(value)
    sql = f"UPDATE {quote(table)} SET {', '.join(sets)} WHERE {quote(pk)} = %s AND {' AND '.join(where)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*set_params, pk_value, *where_params])
        return int(cursor.rowcount)


def encrypt_existing_rows(*model_labels: str) -> Any:
    """A RunPython pair for the migration that turns clear columns into encrypted ones."""

    def forward(apps: Any, schema_editor: Any) -> None:
        for label in model_labels:
            rewrite_table(apps.get_model(label), using=schema_editor.connection.alias, legacy_clear=True)

    def backward(apps: Any, schema_editor: Any) -> None:
        for label in model_labels:
            rewrite_table(apps.get_model(label), using=schema_editor.connection.alias, decrypt_to_clear=True)

    return forward, backward
