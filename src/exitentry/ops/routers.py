"""Reads of the insight (reporting) models go to the read replica when one is configured.

`DATABASE_REPLICA_URL` adds the `replica` database; models of the apps in
`READ_REPLICA_APP_LABELS` (default: `insight`) are read from it, everything else and every
write goes to `default`. Reporting code that aggregates other apps' tables reads the replica
explicitly with `Model.objects.using(read_replica())`, which is `default` when there is none.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

REPLICA = "replica"


def read_replica() -> str:
    return REPLICA if REPLICA in settings.DATABASES else "default"


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if model._meta.app_label in settings.READ_REPLICA_APP_LABELS:
            return read_replica()
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The replica receives the schema by replication, never by `migrate`.
        return db == "default"
