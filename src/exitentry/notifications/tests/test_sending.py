from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest

from exitentry.audit.models import AuditEvent
from exitentry.notifications import services
from exitentry.notifications.adapters import OutgoingMessage, SandboxOutbox
from exitentry.notifications.models import Notification, NotificationStatus, OutboxMessage
from exitentry.notifications.tasks import send_due_notifications, send_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

FLAKY = "exitentry.notifications.tests.test_sending.FlakySender"


class FlakySender:
    """Fails the first `failures` sends, then hands over to the sandbox outbox."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send(self, message: OutgoingMessage) -> str:
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise ConnectionError("SMS gateway timed out")
        return SandboxOutbox().send(message)


@pytest.fixture
def flaky(settings: Any) -> type[FlakySender]:
    settings.NOTIFICATION_SENDERS = {**settings.NOTIFICATION_SENDERS, "sms": FLAKY}
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    FlakySender.calls = 0
    FlakySender.failures = 2
    return FlakySender


def _queue(applicant: Any, django_capture_on_commit_callbacks: Any) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        (sms,) = services.notify(applicant, "item_approved", {"number": "E1"}, channels=["sms"])
    sms.refresh_from_db()
    return sms


def test_sending_retries_with_backoff_and_never_sends_twice(
    applicant: Any, flaky: Any, monday_10: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sms = _queue(applicant, django_capture_on_commit_callbacks)  # the first attempt fails at once
    start = sms.next_attempt_at - dt.timedelta(seconds=60)
    assert (sms.status, sms.attempts, sms.last_error) == (
        "queued",
        1,
        "ConnectionError: SMS gateway timed out",
    )
    assert sms.next_attempt_at == start + dt.timedelta(seconds=60)

    assert send_due_notifications.enqueue().return_value == 0  # not due yet
    monday_10.shift(dt.timedelta(seconds=60))
    assert send_due_notifications.enqueue().return_value == 0  # second failure
    sms.refresh_from_db()
    assert (sms.attempts, sms.next_attempt_at) == (2, start + dt.timedelta(seconds=60 + 120))

    monday_10.shift(dt.timedelta(seconds=120))
    assert send_due_notifications.enqueue().return_value == 1
    assert send_due_notifications.enqueue().return_value == 0
    assert send_notification.enqueue(sms.pk).return_value == "sent"

    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 3, "")
    assert flaky.calls == 3
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="notifications.retry_scheduled").count() == 2
    assert AuditEvent.objects.filter(action="notifications.sent").count() == 1


def test_sending_gives_up_after_the_last_attempt(
    applicant: Any, flaky: Any, settings: Any, monday_10: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    flaky.failures = 99
    sms = _queue(applicant, django_capture_on_commit_callbacks)

    monday_10.shift(dt.timedelta(minutes=5))
    services.send_due_notifications()
    monday_10.shift(dt.timedelta(hours=2))
    services.send_due_notifications()

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (NotificationStatus.FAILED, 2)
    assert flaky.calls == 2
    assert AuditEvent.objects.filter(action="notifications.failed").count() == 1


def test_the_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600

    assert [services.retry_delay(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_a_notification_being_sent_by_one_worker_is_not_sent_by_another(
    applicant: Any, flaky: Any, monday_10: Any, django_capture_on_commit_callbacks: Any
) -> None:
    flaky.failures = 1
    sms = _queue(applicant, django_capture_on_commit_callbacks)
    monday_10.shift(dt.timedelta(minutes=1))
    # Worker A claims it; worker B comes for the same one while A is still sending.
    Notification.objects.filter(pk=sms.pk).update(status="sending", claimed_at=sms.next_attempt_at)

    assert services.send_notification(sms.pk) == "sending"
    assert flaky.calls == 1
    assert OutboxMessage.objects.count() == 0


def test_a_send_interrupted_by_a_crash_is_handed_over_again_and_still_sent_once(
    applicant: Any, monday_10: Any
) -> None:
    (sms,) = services.notify(applicant, "item_approved", {"number": "E1"}, channels=["sms"])
    # The worker handed the message to the outbox, then died before recording "sent".
    Notification.objects.filter(pk=sms.pk).update(status="sending", claimed_at=sms.created_at, attempts=1)
    SandboxOutbox().send(
        OutgoingMessage("sms", sms.address, sms.language, sms.subject, sms.body, sms.idempotency_key)
    )

    assert services.send_due_notifications() == 0  # too soon to assume the worker is gone
    monday_10.shift(dt.timedelta(minutes=11))
    assert services.send_due_notifications() == 1

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 2)
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="notifications.requeued").count() == 1
