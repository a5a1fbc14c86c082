"""The checks of `exitentry fault-test` must fail when a record is lost, duplicated or never
acknowledged, when a counter drifts, when a notification is stuck, and when the service answered
badly while PostgreSQL was down."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment
from exitentry.ops import faultcheck, faulttest
from exitentry.ops.faultcheck import Ack, Row
from exitentry.servicepoints.models import Slot
from exitentry.servicepoints.tests.factories import SlotFactory

ACKS = [Ack("k1", "101", "user 1"), Ack("k2", "102", "user 2")]
ROWS = [Row("101", "user 1"), Row("102", "user 2")]


def test_every_acknowledged_row_stored_once_is_clean() -> None:
    result = faultcheck.reconcile([*ACKS, Ack("k1", "101", "user 1")], ROWS)

    assert result == {
        "acknowledged": 2,
        "acknowledgements": 3,
        "stored": 2,
        "lost": 0,
        "duplicated": 0,
        "conflicting": 0,
        "unacknowledged": 0,
        "in_doubt": 0,
        "examples": {},
    }
    assert faultcheck.is_clean(result)


def test_an_acknowledged_row_missing_from_the_database_is_lost() -> None:
    result = faultcheck.reconcile(ACKS, ROWS[:1])

    assert (result["lost"], result["examples"]["lost"]) == (1, ["102"])
    assert not faultcheck.is_clean(result)


def test_a_second_row_for_one_subject_is_a_duplicate_and_unacknowledged() -> None:
    result = faultcheck.reconcile(ACKS, [*ROWS, Row("103", "user 1")])

    assert result["examples"]["duplicated"] == ["user 1 ×2"]
    assert result["examples"]["unacknowledged"] == ["103"]
    assert not faultcheck.is_clean(result)


def test_the_same_row_stored_twice_is_a_duplicate() -> None:
    result = faultcheck.reconcile(ACKS, [*ROWS, Row("102", "user 9")])

    assert result["examples"]["duplicated"] == ["id 102 ×2"]


def test_a_retry_answered_with_another_record_is_conflicting() -> None:
    result = faultcheck.reconcile([*ACKS, Ack("k2", "103", "user 2")], [*ROWS, Row("103", "user 2")])

    assert result["examples"]["conflicting"] == ["k2"]
    assert result["duplicated"] == 1
    assert not faultcheck.is_clean(result)


def test_a_request_given_up_on_fails_the_check() -> None:
    result = faultcheck.reconcile(ACKS, ROWS, in_doubt=["k3"])

    assert (result["in_doubt"], faultcheck.is_clean(result)) == (1, False)


def _notification(pk: int, status: str = "sent", channel: str = "sms") -> dict[str, Any]:
    return {"id": pk, "recipient": 1, "template": "payment_received", "channel": channel, "status": status}


def test_notifications_sent_once_each_are_clean() -> None:
    rows = [_notification(1), _notification(2, channel="in_app") | {"template": "application_submitted"}]

    result = faultcheck.notifications_check(rows, ["notification-1"])

    assert result == {
        "notifications": 2,
        "by_status": {"sent": 2},
        "not_sent": 0,
        "duplicated": 0,
        "handed_over_twice": 0,
        "never_handed_over": 0,
    }
    assert faultcheck.notifications_clean(result)


def test_a_notification_stuck_behind_a_killed_worker_fails_the_check() -> None:
    result = faultcheck.notifications_check([_notification(1, status="sending")], [])

    assert (result["not_sent"], result["never_handed_over"]) == (1, 1)
    assert not faultcheck.notifications_clean(result)


def test_a_notification_sent_twice_or_created_twice_fails_the_check() -> None:
    twice = faultcheck.notifications_check([_notification(1)], ["notification-1", "notification-1"])
    created_twice = faultcheck.notifications_check(
        [_notification(1), _notification(2)], ["notification-1", "notification-2"]
    )

    assert twice["handed_over_twice"] == 1
    assert created_twice["duplicated"] == 1
    assert not faultcheck.notifications_clean(twice)
    assert not faultcheck.notifications_clean(created_twice)


def _request(sent: float, status: int, code: str = "", seconds: float = 0.05) -> dict[str, Any]:
    return {"kind": "booking", "key": "k", "sent": sent, "seconds": seconds, "status": status, "code": code}


def test_quick_503s_while_the_database_is_down_and_a_success_after_are_clean() -> None:
    requests = [
        _request(9.0, 201),
        _request(10.5, 503, "service_unavailable"),
        _request(12.0, 503, "service_unavailable", seconds=0.4),
        _request(14.2, 201, seconds=0.3),
    ]

    result = faultcheck.outage_report(requests, down_at=10.0, up_at=14.0)

    assert result == {
        "down_at_s": 10.0,
        "up_at_s": 14.0,
        "requests": 2,
        "outcomes": {"503 service_unavailable": 2},
        "unclear": 0,
        "hung": 0,
        "slowest_answer_ms": 400.0,
        "recovered_after_s": 0.5,
    }
    assert faultcheck.outage_clean(result)


@pytest.mark.parametrize(
    ("request_", "failure"),
    [
        (_request(11.0, 500, "server_error"), "unclear"),
        (_request(11.0, 0), "unclear"),
        (_request(11.0, 503, "service_unavailable", seconds=9.0), "hung"),
    ],
)
def test_a_500_a_dropped_connection_or_a_hang_while_the_database_is_down_fails(
    request_: dict[str, Any], failure: str
) -> None:
    result = faultcheck.outage_report([request_, _request(15.0, 201)], down_at=10.0, up_at=14.0)

    assert result[failure] == 1
    assert not faultcheck.outage_clean(result)


def test_no_success_after_the_restart_means_no_recovery() -> None:
    result = faultcheck.outage_report([_request(11.0, 503, "service_unavailable")], down_at=10.0, up_at=14.0)

    assert result["recovered_after_s"] is None
    assert not faultcheck.outage_clean(result)


def test_server_errors_leave_out_the_503_of_an_unreachable_database() -> None:
    requests = [
        _request(1.0, 503, "service_unavailable"),
        _request(2.0, 500, "server_error"),
        _request(3, 502),
    ]

    assert faultcheck.server_errors(requests) == {"500 server_error": 1, "502": 1}


# --- against the database: the rows the checks read ----------------------------------------


@pytest.fixture
def booked() -> tuple[faulttest.RunData, faulttest.ClientLog, list[Appointment]]:
    slot = SlotFactory(capacity=5, booked=2)
    users = [UserFactory(), UserFactory()]
    now = slot.start - dt.timedelta(days=1)
    appointments = [
        Appointment.objects.create(
            code=f"FT{index}",
            user=user,
            slot=slot,
            service_code="passport.renewal",
            booked_at=now,
            updated_at=now,
        )
        for index, user in enumerate(users)
    ]
    data = faulttest.RunData(
        run="t",
        slot_ids=[slot.pk],
        booking_tokens=[],
        booking_user_ids=[user.pk for user in users],
        applicant_tokens=[],
        applicant_user_ids=[],
        pickup_point_id=slot.service_point_id,
        officer_token="",
        schema_applicant_token="",
    )
    log = faulttest.ClientLog(started=time.monotonic())
    log.acks["bookings"] = [
        Ack(f"k{index}", str(appointment.pk), f"user {appointment.user_id}")
        for index, appointment in enumerate(appointments)
    ]
    return data, log, appointments


@pytest.mark.django_db
def test_the_database_check_passes_when_every_booking_is_there(booked: Any) -> None:
    data, log, _appointments = booked

    checks = faulttest.gather(data, log)

    assert faultcheck.is_clean(checks["bookings"])
    assert checks["bookings"]["stored"] == 2
    assert faultcheck.counters_clean(checks["slot_counters"])


@pytest.mark.django_db
def test_the_database_check_finds_a_deliberately_lost_booking(booked: Any) -> None:
    data, log, appointments = booked
    Appointment.objects.filter(pk=appointments[1].pk).delete()

    checks = faulttest.gather(data, log)

    assert checks["bookings"]["examples"]["lost"] == [str(appointments[1].pk)]
    assert checks["slot_counters"]["booked_counter_mismatch"] == 1


@pytest.mark.django_db
def test_the_database_check_finds_a_deliberately_duplicated_booking(booked: Any) -> None:
    data, log, appointments = booked
    first = appointments[0]
    Appointment.objects.filter(pk=first.pk).update(status="cancelled")  # the active-booking constraint
    Appointment.objects.create(
        code="FTDUP",
        user=first.user,
        slot=first.slot,
        service_code=first.service_code,
        booked_at=first.booked_at,
        updated_at=first.updated_at,
    )
    Slot.objects.filter(pk=first.slot_id).update(booked=3)

    checks = faulttest.gather(data, log)

    assert checks["bookings"]["examples"]["duplicated"] == [f"user {first.user_id} ×2"]
    assert checks["bookings"]["unacknowledged"] == 1
    assert checks["slot_counters"]["booked_counter_mismatch"] == 1


# --- the stack it starts -------------------------------------------------------------------


def test_the_stack_runs_in_production_mode_on_the_runs_own_database(
    monkeypatch: Any, tmp_path: Any, settings: Any
) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "exitentry.test_settings")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///somewhere-else")
    settings.FIELD_LOOKUP_KEY = "the-runs-lookup-key"

    env = faulttest.stack_environment(
        "postgres://postgres@127.0.0.1:55432/f", "redis://127.0.0.1:6379/9", tmp_path, "s"
    )

    assert env["EXITENTRY_ENV"] == "production"
    assert env["DJANGO_SETTINGS_MODULE"] == "exitentry.settings"
    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:55432/f"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/9"
    assert env["PAYMENTS_SANDBOX_SECRET"] == "s"
    assert env["FIELD_LOOKUP_KEY"] == "the-runs-lookup-key"  # the stack reads what the run wrote


def test_children_of_lists_a_processs_children() -> None:
    import subprocess
    import sys

    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run(['sleep', '5'])"]
    )
    try:
        deadline = time.monotonic() + 5
        while not faulttest.children_of(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(faulttest.children_of(parent.pid)) == 1
    finally:
        for child in faulttest.children_of(parent.pid):
            import os
            import signal

            os.kill(child, signal.SIGKILL)
        parent.wait(timeout=10)
