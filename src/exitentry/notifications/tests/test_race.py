"""Concurrent notifies on PostgreSQL: one dedupe key, one notification."""

from __future__ import annotations

import pytest

from exitentry.accounts.tests.factories import UserFactory
from exitentry.notifications import services
from exitentry.notifications.models import Notification
from exitentry.payments.tests.test_race import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_ten_notifies_with_one_dedupe_key_at_once_make_one_notification() -> None:
    user = UserFactory()

    def notify(_index: int) -> str:
        (notification,) = services.notify(
            user, "item_approved", {"number": "E1"}, channels=["in_app"], dedupe_key="k"
        )
        return str(notification.pk)

    outcomes = _race(10, notify)

    assert len(outcomes) == 1  # everyone got the same notification
    assert sum(outcomes.values()) == 10
    assert Notification.objects.count() == 1
