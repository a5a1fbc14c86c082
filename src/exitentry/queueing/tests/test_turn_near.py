"""'Your turn is near': one text per ticket when turn_near_people or fewer are ahead."""

from __future__ import annotations

from typing import Any

import pytest

from exitentry.notifications.models import Notification
from exitentry.queueing import services
from exitentry.queueing.models import QueuePolicy, Ticket
from exitentry.queueing.tests.factories import A, appointment, at, make_hall, staffed, walk_in

pytestmark = pytest.mark.django_db


def texts() -> dict[str, str]:
    """Ticket number → phone number texted."""
    by_ticket = {}
    for notification in Notification.objects.filter(template_code="turn_near", channel="sms"):
        ticket = Ticket.objects.get(pk=int(notification.dedupe_key.rsplit(".", 1)[1]))
        by_ticket[ticket.number] = notification.address
    return by_ticket


def test_people_three_or_fewer_places_from_a_counter_get_one_text(
    frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hall = make_hall({"1": [A]})
    phones = [f"1390000000{i}" for i in range(6)]
    for phone in phones:
        walk_in(hall, phone=phone)
    desk, officer = staffed(hall, "1")

    with django_capture_on_commit_callbacks(execute=True):
        first = services.call_next(desk, officer)
    after_first_call = texts()
    with django_capture_on_commit_callbacks(execute=True):
        services.finish(first, officer)
        services.call_next(desk, officer)

    # A002–A005 have 0–3 people ahead after the first call; A006 (4 ahead) only after the second.
    assert after_first_call == {"A002": phones[1], "A003": phones[2], "A004": phones[3], "A005": phones[4]}
    assert texts() == {**after_first_call, "A006": phones[5]}
    assert Notification.objects.filter(template_code="turn_near").count() == 5


def test_the_text_is_in_the_language_used_at_the_machine_and_names_the_counters(
    frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hall = make_hall({"1": [A]})
    walk_in(hall)
    walk_in(hall, phone="13900000001", language="ru")
    desk, officer = staffed(hall, "1")

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(desk, officer)

    notification = Notification.objects.get(template_code="turn_near")
    assert (notification.language, notification.address, notification.recipient_user) == (
        "ru",
        "13900000001",
        None,
    )
    assert notification.body == "Талон A002: перед вами ещё 0 чел. Пожалуйста, ожидайте рядом с окном 1."


def test_an_appointment_holder_without_a_typed_phone_is_texted_on_their_account_phone(
    frozen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hall = make_hall({"1": [A]})
    walk_in(hall)
    booked = appointment(hall, at(10, 20))
    services.check_in(booked.code, hall)
    walk_in(hall)  # no phone, no appointment: nobody to text
    desk, officer = staffed(hall, "1")

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(desk, officer)

    notification = Notification.objects.get(template_code="turn_near")
    assert (notification.address, notification.recipient_user_id) == ("13811112222", booked.user_id)
    assert Ticket.objects.filter(turn_near_notified_at__isnull=False).count() == 1


def test_the_distance_is_data(frozen: Any, django_capture_on_commit_callbacks: Any) -> None:
    QueuePolicy.objects.update(turn_near_people=1)
    hall = make_hall({"1": [A]})
    for index in range(4):
        walk_in(hall, phone=f"1390000000{index}")
    desk, officer = staffed(hall, "1")

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(desk, officer)

    assert set(texts()) == {"A002", "A003"}
