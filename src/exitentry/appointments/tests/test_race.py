from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import F

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments import services
from exitentry.appointments.models import Appointment
from exitentry.appointments.tests.conftest import MONDAY_10
from exitentry.core import clock
from exitentry.servicepoints.models import Slot
from exitentry.servicepoints.tests.factories import SlotFactory, hall_with_weekday_hours


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_people_racing_for_five_places_get_exactly_five() -> None:
    slot = SlotFactory(
        service_point=hall_with_weekday_hours(),
        start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)),
        capacity=5,
    )
    users = [UserFactory() for _ in range(20)]
    start_line = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user: Any) -> None:
        try:
            start_line.wait()
            try:
                services.book_slot(user, slot.pk, "passport.renewal", f"race-{user.pk}")
                result = "booked"
            except services.SlotFull:
                result = "slot_full"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()  # each thread had its own connection

    with time_machine.travel(MONDAY_10, tick=False):
        threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert Counter(outcomes) == {"booked": 5, "slot_full": 15}
    slot.refresh_from_db()
    assert (slot.booked, slot.capacity) == (5, 5)
    assert Appointment.objects.filter(slot=slot).count() == 5
    assert not Slot.objects.filter(booked__gt=F("capacity")).exists()
