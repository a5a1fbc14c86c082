from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from exitentry.audit.chain import GENESIS_HASH, hash_of
from exitentry.core import clock, rows


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """No bulk paths around the chain: rows are added one by one and never changed."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        raise AppendOnlyError("audit events join the hash chain one by one (use record_event)")

    def update_or_create(self, *args: Any, **kwargs: Any) -> tuple[AuditEvent, bool]:
        raise AppendOnlyError("audit events are append-only")

    def _raw_delete(self, using: Any) -> int:
        raise AppendOnlyError("audit events are append-only")


class AuditChainHead(models.Model):
    """The newest position and hash of one audit chain; locked while an event is appended."""

    shard = models.PositiveSmallIntegerField(_("chain"), primary_key=True)
    seq = models.PositiveBigIntegerField(_("last position"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.shard}: {self.seq} {self.hash[:12]}"


def _chain_for(connection: Any) -> int:
    # One chain per database connection (one per thread), so that a transaction never locks
    # two chain heads and two transactions can never wait for each other's.
    shards = max(1, int(settings.AUDIT_CHAIN_SHARDS))
    shard = getattr(connection, "exitentry_audit_chain", None)
    if shard is None or shard >= shards:
        shard = random.randrange(shards)  # noqa: S311 - spreading load, not a secret
        connection.exitentry_audit_chain = shard
    return int(shard)


def locked_chain_head(using: str) -> AuditChainHead:
    """This connection's chain head, locked until its transaction ends."""
    return _locked_head(_chain_for(transaction.get_connection(using)), using)


def _locked_head(shard: int, using: str) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using).select_for_update()
    head = _read_locked_head(shard, using)
    if head is None:
        try:
            with transaction.atomic(using=using):
                AuditChainHead.objects.using(using).create(shard=shard)
        except IntegrityError:  # another writer created it first
            pass
        head = heads.get(shard=shard)
    return head


def _read_locked_head(shard: int, using: str) -> AuditChainHead | None:
    # Written out: every audited change runs it (docs/adr/0011).
    connection = transaction.get_connection(using)
    sql = f"SELECT seq, hash FROM {AuditChainHead._meta.db_table} WHERE shard = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [shard])
        row = cursor.fetchone()
    if row is None:
        return None
    return AuditChainHead(shard=shard, seq=int(row[0]), hash=row[1])


# On PostgreSQL the head moves in the same statement as the event's INSERT.
_MOVE_HEAD = (
    f"WITH moved_head AS (UPDATE {AuditChainHead._meta.db_table}"  # noqa: S608
    " SET seq = %s, hash = %s WHERE shard = %s RETURNING shard) "
)


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, with a before/after summary.

    Written by services inside the same transaction as the change it describes, so a change
    and its record commit or roll back together. Rows are never updated or deleted, and each
    joins a hash chain (see `exitentry.audit.chain`) so that `exitentry audit verify` detects
    a row edited or deleted behind the application's back.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    shard = models.PositiveSmallIntegerField(_("chain"), default=0, editable=False)
    seq = models.PositiveBigIntegerField(_("position in chain"), default=0, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(fields=["shard", "seq"], name="auditevent_one_per_chain_position")
        ]

    def __str__(self) -> str:
        target = f"{self.object_type}:{self.object_id}"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        using = kwargs.get("using") or "default"
        if self.at is None:
            self.at = clock.now()
        # No savepoint: an event is written inside the change's own transaction, and a failure
        # here must roll that whole change back anyway (saves two round trips per event).
        with transaction.atomic(using=using, savepoint=False):
            connection = transaction.get_connection(using)
            head = locked_chain_head(using)
            self.shard = head.shard
            self.seq = head.seq + 1
            self.prev_hash = head.hash
            self.hash = hash_of(self)
            if not args and set(kwargs) <= {"using", "force_insert"} and connection.vendor == "postgresql":
                # One statement instead of two, and no ORM save machinery (docs/adr/0011).
                rows.insert(
                    self, using=using, prefix=_MOVE_HEAD, prefix_params=[self.seq, self.hash, head.shard]
                )
                return
            super().save(*args, **kwargs)
            AuditChainHead.objects.using(using).filter(shard=head.shard).update(seq=self.seq, hash=self.hash)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")
