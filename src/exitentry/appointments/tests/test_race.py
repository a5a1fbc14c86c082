from __future__ import annotations

import datetime as dt
import threading
import time
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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_held_up_before_its_last_statement_locks_nobody_out_of_the_slot() -> None:
    """The slot's row is taken last, after the audit event: a booking waiting for its chain head
    holds no lock on the slot, and it takes the head before the slot, as cancelling does."""
    from django.conf import settings

    from exitentry.audit.models import AuditChainHead

    slot = SlotFactory(
        service_point=hall_with_weekday_hours(),
        start=clock.local_datetime(dt.date(2026, 9, 22), dt.time(10)),
        capacity=5,
    )
    user = UserFactory()
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(shard=shard) for shard in range(settings.AUDIT_CHAIN_SHARDS)], ignore_conflicts=True
    )
    outcome: list[int] = []

    def book() -> None:
        try:
            with time_machine.travel(MONDAY_10, tick=False):
                outcome.append(services.book_slot(user, slot.pk, "passport.renewal", "held-up").status)
        finally:
            connection.close()

    # Two connections of the test's own, outside Django's (one per thread) and its transaction.
    params = connection.get_connection_params()
    with connection.get_new_connection(params) as holder, connection.get_new_connection(params) as other:
        other.autocommit = True
        holder.execute("SELECT shard FROM audit_auditchainhead FOR UPDATE")  # every chain held
        booking = threading.Thread(target=book)
        booking.start()
        waiting = False
        for _attempt in range(200):
            waiting = other.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE %s)",
                ["%audit_auditchainhead%"],
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the booking never reached the chain head"

        other.execute("SET lock_timeout = '2s'")
        other.execute(
            "UPDATE servicepoints_slot SET booked = booked + 1 WHERE id = %s", [slot.pk]
        )  # not blocked
        holder.rollback()
        booking.join(timeout=30)

    assert outcome == [201]
    slot.refresh_from_db()
    assert slot.booked == 2
    assert Appointment.objects.filter(slot=slot, user=user).count() == 1
