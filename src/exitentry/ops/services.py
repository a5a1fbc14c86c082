"""Operations: readiness of the process's dependencies, retention, backups and restores."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction

from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.core.services import database_status
from exitentry.ops.models import RetentionRule, RetentionTarget

logger = structlog.get_logger(__name__)


# --- Readiness ---------------------------------------------------------------------------------


def cache_status() -> str:
    key = f"exitentry:ready:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        logger.warning("cache check failed", exc_info=True)
        return "unavailable"
    return "ok" if ok else "unavailable"


def task_backend_status() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    try:
        if backend.startswith("django_tasks_rq"):
            import django_rq

            for name in settings.RQ_QUEUES:
                django_rq.get_connection(name).ping()
        elif backend.startswith("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.exists()
    except Exception:
        logger.warning("task backend check failed", exc_info=True)
        return "unavailable"
    return "ok"


def readiness() -> dict[str, str]:
    checks = {"database": database_status(), "cache": cache_status(), "tasks": task_backend_status()}
    return {"status": "ok" if all(value == "ok" for value in checks.values()) else "unavailable", **checks}


# --- Retention ---------------------------------------------------------------------------------


def _delete_old_log_files(cutoff: dt.datetime) -> int:
    directory = Path(settings.LOG_DIR)
    if not directory.is_dir():
        return 0
    deleted = 0
    for path in sorted(directory.iterdir()):
        if not path.is_file() or ".log" not in path.name:
            continue
        if dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC) < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _delete_old_task_results(cutoff: dt.datetime) -> int:
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        return 0  # RQ expires its results itself (result_ttl)
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    deleted, _ = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=cutoff).delete()
    return deleted


def apply_retention(day: dt.date | None = None) -> dict[str, int]:
    """Delete what the retention rules in effect no longer keep; returns how much, per target."""
    from exitentry.applications.services import delete_abandoned_staged_uploads

    day = day or clock.today()
    now = clock.now()
    done: dict[str, int] = {}
    for target in RetentionTarget:
        rule = RetentionRule.in_effect(target, day)
        if rule is None:
            continue
        keep = dt.timedelta(days=rule.keep_days)
        if target == RetentionTarget.STAGED_UPLOADS:
            done[target] = delete_abandoned_staged_uploads(older_than=keep)
        elif target == RetentionTarget.LOG_FILES:
            done[target] = _delete_old_log_files(now - keep)
        elif target == RetentionTarget.TASK_RESULTS:
            with transaction.atomic():
                done[target] = _delete_old_task_results(now - keep)
    with transaction.atomic():
        record_event(
            "ops.retention_applied",
            actor="system",
            object_type="ops.retentionrule",
            day=str(day),
            deleted=done,
        )
    logger.info("retention applied", **done)
    return done


# --- Backup and restore --------------------------------------------------------------------------


class BackupFailed(DomainError):
    status = 500
    code = "backup_failed"


def _pg_environment(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    environment = {**os.environ}
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = str(db["PASSWORD"])
    return args, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    binary = shutil.which(command[0])
    if binary is None:
        raise BackupFailed(f"{command[0]} is not installed")
    finished = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        [binary, *command[1:]], env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupFailed(f"{command[0]} failed: {finished.stderr.strip()[-2000:]}")


def _is_postgres(alias: str) -> bool:
    return str(connections[alias].settings_dict["ENGINE"]).endswith("postgresql")


def backup(destination: Path, *, alias: str = "default") -> Path:
    """Write a consistent copy of the database to `destination` (custom-format dump or SQLite file)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    db = connections[alias].settings_dict
    partial = destination.with_name(destination.name + ".partial")
    if _is_postgres(alias):
        args, environment = _pg_environment(db)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), *args], environment)
    else:
        connections[alias].ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connections[alias].connection.backup(target)
        finally:
            target.close()
    partial.replace(destination)  # never leave a half-written file under the real name
    logger.info("backup written", path=str(destination), bytes=destination.stat().st_size)
    return destination


def restore(source: Path, *, alias: str = "default") -> None:
    """Replace the database's contents with the backup at `source` (the drill's second half)."""
    if not source.is_file():
        raise BackupFailed(f"no backup at {source}")
    db = connections[alias].settings_dict
    if _is_postgres(alias):
        args, environment = _pg_environment(db)
        _run(["pg_restore", "--list", str(source)], environment)  # a readable dump, before touching anything
        connections[alias].close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(source),
            ],
            environment,
        )
    else:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            try:
                sound = check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise BackupFailed(f"{source} is not a sound SQLite database")
            connections[alias].close()
            connections[alias].ensure_connection()
            check.backup(connections[alias].connection)
        finally:
            check.close()
    logger.info("backup restored", path=str(source))
