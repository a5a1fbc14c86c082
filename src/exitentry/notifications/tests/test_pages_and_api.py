from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.notifications import services
from exitentry.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]

EN = {"Accept-Language": "en"}


@pytest.fixture
def messages_for(django_capture_on_commit_callbacks: Any) -> Any:
    def send(user: Any, *numbers: str) -> list[Notification]:
        sent = []
        with django_capture_on_commit_callbacks(execute=True):
            for number in numbers:
                sent += services.notify(user, "item_approved", {"number": number})
        return sent

    return send


def test_the_inbox_needs_signing_in(client: Any) -> None:
    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_inbox_shows_ones_own_messages_and_marks_them_read(
    client: Any, applicant: Any, messages_for: Any
) -> None:
    messages_for(applicant, "E-OWN-1", "E-OWN-2")
    messages_for(UserFactory(phone="13700000000"), "E-SOMEONE-ELSE")
    client.force_login(applicant)

    page = client.get(reverse("notifications:inbox"), headers=EN).content.decode()

    assert "You have 2 unread messages." in page
    assert "E-OWN-1" in page
    assert "E-OWN-2" in page
    assert "E-SOMEONE-ELSE" not in page
    done = client.post(reverse("notifications:mark_all_read"))
    assert done.status_code == 302
    after = client.get(reverse("notifications:inbox"), headers=EN).content.decode()
    assert "You have 0 unread messages." in after
    assert "Mark all as read" not in after


def test_the_outbox_is_for_staff_and_masks_phone_numbers(
    client: Any, applicant: Any, messages_for: Any
) -> None:
    messages_for(applicant, "E20260921001")
    client.force_login(applicant)
    assert client.get(reverse("notifications:outbox")).status_code == 403

    client.force_login(UserFactory(role="officer"))
    page = client.get(reverse("notifications:outbox"), headers=EN).content.decode()

    assert "138****5678" in page
    assert "13812345678" not in page
    assert "An item in your application E20260921001 has been approved" in page
    emails_only = client.get(
        reverse("notifications:outbox"), {"channel": "email"}, headers=EN
    ).content.decode()
    assert "Nothing has been sent yet." in emails_only


def test_the_inbox_api_lists_and_marks_messages(api: Any, applicant: Any, messages_for: Any) -> None:
    sent = messages_for(applicant, "E1", "E2")
    inbox_ids = [n.pk for n in sent if n.channel == "in_app"]
    api.login(applicant.username, PASSWORD)

    listed = api.get("/notifications", {"unread": "true"})
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()] == inbox_ids[::-1]
    assert listed.json()[0]["subject"] == "Approved"

    one = api.post(f"/notifications/{inbox_ids[0]}/read")
    assert one.status_code == 200
    assert one.json()["read_at"] == "2026-09-21T02:00:00Z"
    assert api.post("/notifications/read-all").json() == {"marked": 1}
    assert api.get("/notifications", {"unread": "true"}).json() == []


def test_someone_elses_message_is_404(api: Any, applicant: Any, messages_for: Any) -> None:
    (_sms, inbox) = messages_for(applicant, "E1")
    other = UserFactory()
    api.login(other.username, PASSWORD)

    response = api.post(f"/notifications/{inbox.pk}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "notification_not_found"


def test_the_outbox_api_is_for_staff(api: Any, applicant: Any, messages_for: Any) -> None:
    messages_for(applicant, "E1")
    api.login(applicant.username, PASSWORD)
    assert api.get("/notifications/outbox").status_code == 403

    officer = UserFactory(role="officer")
    api.login(officer.username, PASSWORD)
    response = api.get("/notifications/outbox", {"channel": "sms"})

    assert response.status_code == 200
    assert [(m["channel"], m["to"], m["language"]) for m in response.json()] == [("sms", "138****5678", "en")]
