from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.identity.tests.factories import PersonFactory
from exitentry.notifications import services
from exitentry.notifications.models import Notification, NotificationStatus, OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

PAYMENT_RECEIVED = {
    "zh-hans": ("缴费成功", "我们已收到申请E20260921001的缴费，申请将进入审核。"),
    "en": (
        "Payment received",
        "We have received the payment for application E20260921001. It now goes to review.",
    ),
    "ru": (
        "Оплата получена",
        "Мы получили оплату по заявлению E20260921001. Теперь оно передано на рассмотрение.",
    ),
    "ja": ("お支払いを確認しました", "申請E20260921001のお支払いを確認しました。申請は審査に進みます。"),
    "ko": (
        "결제가 확인되었습니다",
        "신청 E20260921001의 결제가 확인되었습니다. 이제 심사 단계로 넘어갑니다.",
    ),
}


@pytest.mark.parametrize("language", list(PAYMENT_RECEIVED))
def test_notification_is_rendered_in_the_recipients_language(language: str) -> None:
    user = UserFactory(preferred_language=language, phone="13812345678")

    sms, inbox = services.notify(user, "payment_received", {"number": "E20260921001", "url": "/x"})

    assert (sms.channel, inbox.channel) == ("sms", "in_app")
    assert (sms.language, sms.subject, sms.body) == (language, *PAYMENT_RECEIVED[language])
    assert (inbox.subject, inbox.body) == PAYMENT_RECEIVED[language]


@pytest.mark.parametrize(
    ("preferred", "language"),
    [
        ("", "zh-hans"),
        ("fr", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("en-GB", "en"),
        ("KO", "ko"),
        ("ja_JP", "ja"),
    ],
)
def test_the_language_falls_back_to_simplified_chinese(preferred: str, language: str) -> None:
    assert services.language_of(UserFactory(preferred_language=preferred)) == language


def test_sms_goes_through_the_outbox_and_in_app_lands_in_the_inbox(
    applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sms, inbox = services.notify(applicant, "application_submitted", {"number": "E20260921001"})

    sms.refresh_from_db()
    assert (sms.status, sms.address, sms.attempts) == (NotificationStatus.SENT, "13812345678", 1)
    assert (inbox.status, inbox.address, inbox.read_at) == (NotificationStatus.SENT, "", None)
    outbox = OutboxMessage.objects.get()
    assert (outbox.channel, outbox.to, outbox.language) == ("sms", "13812345678", "en")
    assert outbox.body.startswith("Your exit-entry application E20260921001 has been submitted.")
    assert sms.provider_message_id == f"outbox-{outbox.pk}"
    assert list(services.inbox_of(applicant)) == [inbox]
    assert AuditEvent.objects.filter(action="notifications.queued").count() == 2
    assert AuditEvent.objects.filter(action="notifications.sent").count() == 1


def test_the_same_dedupe_key_is_one_notification_per_channel(
    applicant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    context = {"number": "E20260921001"}
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(applicant, "item_approved", context, dedupe_key="item:7:approved")
        again = services.notify(applicant, "item_approved", context, dedupe_key="item:7:approved")
        email = services.notify(
            applicant, "item_approved", context, channels=["email"], dedupe_key="item:7:approved"
        )

    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.count() == 3
    assert OutboxMessage.objects.count() == 2  # one SMS, one email
    assert email[0].address == "li.na@example.com"


def test_the_database_refuses_a_second_notification_with_the_same_key(applicant: Any) -> None:
    (existing,) = services.notify(
        applicant, "item_approved", {"number": "E1"}, channels=["in_app"], dedupe_key="k"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient_user=applicant,
            channel="in_app",
            template_code="item_approved",
            language="en",
            subject="x",
            body="x",
            dedupe_key="k",
            next_attempt_at=existing.next_attempt_at,
            created_at=existing.created_at,
            status="queued",
        )


def test_a_person_without_an_account_gets_a_text_message_only(
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = PersonFactory(phone="13900000001")

    with django_capture_on_commit_callbacks(execute=True):
        (sms,) = services.notify(person, "turn_near", {"ticket": "A023", "counter": "5", "waiting": 3})

    assert (sms.channel, sms.recipient_person, sms.recipient_user, sms.language) == (
        "sms",
        person,
        None,
        "zh-hans",
    )
    assert OutboxMessage.objects.get().body == "您的号码A023前面还有3人，请到5号窗口附近等候。"


def test_a_person_with_an_account_is_told_in_the_accounts_language(applicant: Any) -> None:
    person = PersonFactory()
    applicant.person = person
    applicant.save()

    sms, inbox = services.notify(person, "ready_for_pickup", {"number": "E1"})

    assert (inbox.recipient_user, inbox.language) == (applicant, "en")
    assert sms.address == "13812345678"


def test_without_a_phone_number_the_text_message_is_marked_failed(
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = UserFactory(phone="")

    with django_capture_on_commit_callbacks(execute=True):
        sms, _inbox = services.notify(user, "item_approved", {"number": "E1"})

    assert (sms.status, sms.last_error) == (NotificationStatus.FAILED, "no sms address on file")
    assert OutboxMessage.objects.count() == 0


def test_context_given_per_language_is_shown_in_the_recipients_language(applicant: Any) -> None:
    reason = {
        "zh-hans": "照片不符合要求",
        "en": "the photo does not meet the rules",
        "ru": "-",
        "ja": "-",
        "ko": "-",
    }

    _sms, inbox = services.notify(applicant, "item_rejected", {"number": "E1", "reason": reason})

    assert "Reason: the photo does not meet the rules." in inbox.body


def test_missing_context_is_refused_before_anything_is_queued(applicant: Any) -> None:
    with pytest.raises(services.MissingContext) as error:
        services.notify(applicant, "item_rejected", {"number": "E1"})

    assert error.value.details == {"template": "item_rejected", "missing": ["reason"]}
    assert Notification.objects.count() == 0


def test_unknown_templates_and_channels_are_refused(applicant: Any) -> None:
    with pytest.raises(services.UnknownTemplate):
        services.notify(applicant, "no_such_template", {})
    with pytest.raises(services.InvalidChannel):
        services.notify(applicant, "item_approved", {"number": "E1"}, channels=["pigeon"])
    with pytest.raises(services.InvalidRecipient):
        services.notify("someone", "item_approved", {"number": "E1"})  # type: ignore[arg-type]
