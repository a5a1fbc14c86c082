"""The December watch for a next year the calendar cannot answer for."""

import datetime as dt

import pytest
import time_machine

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.notifications.models import Notification
from exitentry.workdays.tasks import warn_if_next_year_undeclared
from exitentry.workdays.tests.factories import CalendarYearFactory, DayOverrideFactory

pytestmark = pytest.mark.django_db


def shanghai(year, month, day, hour=9):
    return dt.datetime(year, month, day, hour - 8, 0, tzinfo=dt.UTC)


@time_machine.travel(shanghai(2026, 11, 30), tick=False)
def test_in_november_nothing_is_reported():
    result = warn_if_next_year_undeclared.enqueue()

    assert result.return_value == []
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


@time_machine.travel(shanghai(2026, 12, 1), tick=False)
def test_from_december_1_an_undeclared_next_year_is_logged_and_audited(caplog):
    result = warn_if_next_year_undeclared.enqueue()

    assert result.return_value == [2027]
    event = AuditEvent.objects.get(action="calendar.year_missing")
    assert (event.actor, event.actor_label, event.object_id, event.summary) == (
        None,
        "system",
        "2027",
        {"year": 2027},
    )
    assert any(record.levelname == "WARNING" and "2027" in record.getMessage() for record in caplog.records)


@time_machine.travel(shanghai(2026, 12, 1), tick=False)
def test_administrators_and_managers_are_told_once_not_every_morning():
    admin = UserFactory(username="admin1", role=Role.ADMIN, preferred_language="en")
    manager = UserFactory(username="manager1", role=Role.MANAGER)
    UserFactory(username="officer1", role=Role.OFFICER)
    UserFactory(username="gone", role=Role.ADMIN, is_active=False)

    warn_if_next_year_undeclared.enqueue()
    with time_machine.travel(shanghai(2026, 12, 2), tick=False):
        warn_if_next_year_undeclared.enqueue()

    in_app = Notification.objects.filter(channel="in_app").order_by("recipient_user_id")
    assert [(n.recipient_user_id, n.template_code, n.subject) for n in in_app] == [
        (admin.pk, "calendar_year_missing", "A holiday calendar is missing"),
        (manager.pk, "calendar_year_missing", "节假日安排尚未录入"),
    ]
    assert in_app[0].body.startswith("The official holiday calendar for 2027 is not known yet.")
    assert "Working days → Declared calendar years" in in_app[0].body
    assert AuditEvent.objects.filter(action="calendar.year_missing").count() == 2  # audited daily


@time_machine.travel(shanghai(2026, 12, 15), tick=False)
def test_a_declared_next_year_is_not_reported():
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    CalendarYearFactory(year=2027)

    assert warn_if_next_year_undeclared.enqueue().return_value == []
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


@time_machine.travel(shanghai(2025, 12, 1), tick=False)
def test_a_next_year_with_official_data_is_not_reported():
    assert warn_if_next_year_undeclared.enqueue().return_value == []


@time_machine.travel(shanghai(2027, 1, 5), tick=False)
def test_a_missing_current_year_is_reported_all_year():
    assert warn_if_next_year_undeclared.enqueue().return_value == [2027]
