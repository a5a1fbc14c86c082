import datetime as dt

import pytest
import time_machine
from django_tasks import task

from exitentry.core import scheduling
from exitentry.core.models import ScheduledJob

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@task()
def record_run() -> None:
    RUNS.append("ran")


@pytest.fixture
def only_test_job(monkeypatch):
    RUNS.clear()
    monkeypatch.setattr(scheduling, "REGISTRY", {})
    monkeypatch.setattr(scheduling, "discover", lambda: scheduling.REGISTRY)
    scheduling.every(dt.timedelta(days=1), at=dt.time(2, 30), name="test.daily")(record_run)


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False)
def test_a_due_job_is_enqueued_once_and_scheduled_for_its_next_local_time(only_test_job):
    first = scheduling.enqueue_due_jobs()
    second = scheduling.enqueue_due_jobs()

    assert first == ["test.daily"]
    assert second == []
    assert RUNS == ["ran"]
    # 10:00 UTC is 18:00 in Shanghai; the next 02:30 local is 2026-11-24 02:30+08:00.
    assert ScheduledJob.objects.get(name="test.daily").next_run_at == dt.datetime(
        2026, 11, 23, 18, 30, tzinfo=dt.UTC
    )


def test_the_job_runs_again_once_its_time_comes(only_test_job):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        scheduling.enqueue_due_jobs()
    with time_machine.travel(dt.datetime(2026, 11, 23, 18, 29, tzinfo=dt.UTC), tick=False):
        assert scheduling.enqueue_due_jobs() == []
    with time_machine.travel(dt.datetime(2026, 11, 23, 18, 31, tzinfo=dt.UTC), tick=False):
        assert scheduling.enqueue_due_jobs() == ["test.daily"]

    assert RUNS == ["ran", "ran"]


def test_intervals_shorter_than_a_minute_are_refused():
    with pytest.raises(ValueError, match="at most once a minute"):
        scheduling.every(dt.timedelta(seconds=10))
