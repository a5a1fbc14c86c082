import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from exitentry.audit.models import AuditEvent
from exitentry.audit.services import verify_chains
from exitentry.core import clock
from exitentry.ops import services
from exitentry.ops.models import RetentionRule, RetentionTarget


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_serve_starts_granian_with_one_wsgi_worker_per_cpu_by_default(monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)

    command = _run("serve", "--print").split()

    assert command[0].endswith("granian")
    assert command[command.index("--interface") + 1] == "wsgi"
    assert command[command.index("--workers") + 1] == "6"
    assert command[command.index("--blocking-threads") + 1] == "2"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[-1] == "exitentry.wsgi:application"


def test_serve_takes_workers_threads_and_a_unix_socket_from_the_command_line():
    command = _run(
        "serve", "--print", "--workers", "3", "--threads", "6", "--uds", "/run/exitentry/web.sock"
    ).split()

    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--blocking-threads") + 1] == "6"
    assert command[command.index("--uds") + 1] == "/run/exitentry/web.sock"
    assert "--host" not in command


def test_worker_runs_rq_with_the_django_tasks_job_class_when_tasks_go_to_redis(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}

    assert _run("worker", "--print").split() == [
        "exitentry",
        "rqworker",
        "--job-class",
        "django_tasks_rq.backend.Job",
        "--with-scheduler",
        "default",
    ]


def test_worker_runs_the_database_worker_without_redis(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    assert _run("worker", "--print").split() == ["exitentry", "db_worker", "--interval", "1"]


def test_worker_refuses_a_backend_that_runs_tasks_inline():
    with pytest.raises(CommandError, match="ImmediateBackend runs tasks in the web process"):
        _run("worker", "--print")


def test_insight_models_read_from_the_replica_and_write_to_the_primary():
    code = """
import django; django.setup()
from django.db import router
from exitentry.ops.models import RetentionRule
from exitentry.accounts.models import User
print(router.db_for_read(RetentionRule), router.db_for_write(RetentionRule), router.db_for_read(User),
      router.allow_migrate("replica", "ops"), router.allow_migrate("default", "ops"))
"""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exitentry.settings",
        "EXITENTRY_VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/exitentry",
        "READ_REPLICA_APP_LABELS": "ops",
    }
    finished = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["replica", "default", "default", "False", "True"]


def test_without_a_replica_everything_reads_from_the_primary():
    from exitentry.ops.routers import ReplicaRouter, read_replica

    assert read_replica() == "default"
    assert ReplicaRouter().db_for_read(RetentionRule) == "default"


# --- Retention ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retention_deletes_log_files_older_than_the_rule_in_effect(settings, tmp_path):
    settings.LOG_DIR = tmp_path
    old, recent, unrelated = tmp_path / "web.log.3", tmp_path / "web.log", tmp_path / "notes.txt"
    for path in (old, recent, unrelated):
        path.write_text("x")
    ten_days_ago = (clock.now() - dt.timedelta(days=10)).timestamp()
    os.utime(old, (ten_days_ago, ten_days_ago))
    os.utime(unrelated, (ten_days_ago, ten_days_ago))
    # The seeded rule keeps logs 180 days; a newer rule keeps them 7.
    RetentionRule.objects.create(target=RetentionTarget.LOG_FILES, keep_days=7, effective_from=clock.today())

    done = services.apply_retention()

    assert done[RetentionTarget.LOG_FILES] == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt", "web.log"]
    event = AuditEvent.objects.filter(action="ops.retention_applied").latest("id")
    assert event.summary["deleted"]["log_files"] == 1


@pytest.mark.django_db
def test_retention_follows_the_rule_effective_on_the_day(settings, tmp_path):
    settings.LOG_DIR = tmp_path
    old = tmp_path / "worker.log.1"
    old.write_text("x")
    ten_days_ago = (clock.now() - dt.timedelta(days=10)).timestamp()
    os.utime(old, (ten_days_ago, ten_days_ago))
    RetentionRule.objects.create(
        target=RetentionTarget.LOG_FILES, keep_days=7, effective_from=clock.today() + dt.timedelta(days=1)
    )

    done = services.apply_retention()

    assert done[RetentionTarget.LOG_FILES] == 0  # tomorrow's 7-day rule is not in effect yet
    assert old.exists()


@pytest.mark.django_db
def test_retention_deletes_finished_task_results_past_their_time(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from exitentry.ops.tasks import apply_retention

    old = apply_retention.using(backend="default").enqueue()
    DBTaskResult.objects.filter(id=old.id).update(
        status="SUCCESSFUL", finished_at=clock.now() - dt.timedelta(days=31)
    )
    waiting = apply_retention.using(backend="default").enqueue()

    done = services.apply_retention()

    assert done[RetentionTarget.TASK_RESULTS] == 1
    assert [str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)] == [waiting.id]


# --- Backup and restore drill -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_drill_brings_back_exactly_what_the_backup_held(tmp_path):
    kept = RetentionRule.objects.create(target="log_files", keep_days=11, effective_from=dt.date(2030, 1, 1))
    backup = Path(_run("backup", str(tmp_path / "drill.bak")).split()[3])
    rules_at_backup = list(RetentionRule.objects.order_by("id").values_list("id", "target", "keep_days"))
    # After the backup: one rule lost, one added.
    RetentionRule.objects.filter(pk=kept.pk).delete()
    RetentionRule.objects.create(target="log_files", keep_days=12, effective_from=dt.date(2031, 1, 1))

    with pytest.raises(CommandError, match="run again with --yes"):
        _run("restore", str(backup))
    out = _run("restore", str(backup), "--yes")

    connection.close()
    assert "restored from" in out
    assert (
        list(RetentionRule.objects.order_by("id").values_list("id", "target", "keep_days")) == rules_at_backup
    )
    _, problems = verify_chains()
    assert problems == []


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"this is not a database")

    with pytest.raises(CommandError):
        _run("restore", str(junk), "--yes")

    assert RetentionRule.objects.filter(target="log_files").exists()
