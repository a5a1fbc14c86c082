"""The booking path as a morning rush meets it: reference data read once, refusals cheap, retries safe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments import services
from exitentry.appointments.models import Appointment, IdempotencyRecord
from exitentry.appointments.tests.conftest import bearer
from exitentry.appointments.tests.test_booking_api import TUESDAY, book, tuesday_slot
from exitentry.audit.models import AuditEvent
from exitentry.core import refcache
from exitentry.servicepoints.models import Slot
from exitentry.servicepoints.tests.factories import ClosureFactory

SERVICE = "passport.renewal"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]


@pytest.fixture
def reference_cache() -> Iterator[None]:
    refcache.forget_all()
    with override_settings(REFERENCE_CACHE_SECONDS=60):
        yield
    refcache.forget_all()


def test_a_retry_after_taking_the_last_place_answers_the_first_success(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=1)

    first = book(api, applicant, slot.pk, key="last-place")
    retry = book(api, applicant, slot.pk, key="last-place")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Appointment.objects.count() == 1


def test_a_full_slot_is_refused_without_reading_reference_data_again(
    api: Any, applicant: Any, reference_cache: None
) -> None:
    slot = tuesday_slot(capacity=1)
    assert book(api, UserFactory(), slot.pk, key="first").status_code == 201

    headers = {**bearer(applicant), "Idempotency-Key": "second"}
    with CaptureQueriesContext(connection) as queries:
        refused = api.post("/appointments", {"slot_id": slot.pk, "service": SERVICE}, headers=headers)

    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_full"
    sql = [q["sql"] for q in queries.captured_queries]
    # One read: the token's holder, the slot and the key's earlier answer (none) (docs/adr/0015);
    # no write, no transaction.
    assert len(sql) == 1
    assert sql[0].startswith('SELECT u."id"')
    assert all(table in sql[0] for table in ("accounts_apitoken", "servicepoints_slot", "idempotencyrecord"))
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_a_place_lost_to_a_faster_booking_is_refused_by_the_update(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=1)
    read = services.read_for_token

    def read_then_lose_the_place(token: str, slot_id: int, key: str | None) -> Any:
        found = read(token, slot_id, key)
        Slot.objects.filter(pk=slot_id).update(booked=1)  # another booking takes it meanwhile
        return found

    headers = {**bearer(applicant), "Idempotency-Key": "late"}
    with CaptureQueriesContext(connection) as queries, pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "read_for_token", read_then_lose_the_place)
        refused = api.post("/appointments", {"slot_id": slot.pk, "service": SERVICE}, headers=headers)

    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_full"
    assert [q["sql"].split()[0] for q in queries.captured_queries if "servicepoints_slot" in q["sql"]] == [
        "SELECT",
        "UPDATE",  # the one above
        "UPDATE",  # the conditional UPDATE, 0 rows
    ]
    assert Slot.objects.get(pk=slot.pk).booked == 1
    # The booking's earlier writes were rolled back with the refused UPDATE.
    assert not Appointment.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="appointment.booked").exists()


def _second_booking_captured(api: Any, applicant: Any, *, key: str) -> tuple[Slot, Any, list[dict[str, Any]]]:
    """`applicant` books the second place of a slot (reference data already cached by the first),
    with the statements the booking sent."""
    slot = tuesday_slot(capacity=2)
    book(api, UserFactory(), slot.pk, key="warm")
    headers = {**bearer(applicant), "Idempotency-Key": key}
    with CaptureQueriesContext(connection) as queries:
        booked = api.post("/appointments", {"slot_id": slot.pk, "service": SERVICE}, headers=headers)
    return slot, booked, queries.captured_queries


def _written_table(sql: str) -> str | None:
    words = sql.replace('"', "").split()
    if words[0] == "UPDATE":
        return words[1]
    if "INSERT" in words:  # also WITH … INSERT INTO
        return words[words.index("INSERT") + 2]
    return None


def test_the_slot_row_is_the_last_row_a_booking_writes(
    api: Any, applicant: Any, reference_cache: None
) -> None:
    slot, booked, queries = _second_booking_captured(api, applicant, key="last")

    assert booked.status_code == 201
    writes = [_written_table(q["sql"]) for q in queries]
    writes = [table for table in writes if table]
    # The hot row is locked for one statement and the commit, not for the booking's other writes.
    assert writes[-1] == "servicepoints_slot"
    assert writes[:-1] in (
        [
            "appointments_appointment",
            "appointments_idempotencyrecord",
            "audit_auditevent",
        ],  # head moved in it
        [
            "appointments_appointment",
            "appointments_idempotencyrecord",
            "audit_auditevent",
            "audit_auditchainhead",
        ],
    )
    assert Slot.objects.get(pk=slot.pk).booked == 2


def test_a_retry_of_a_success_is_answered_before_any_check(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=2)
    first = book(api, applicant, slot.pk, key="again")
    headers = {**bearer(applicant), "Idempotency-Key": "again"}
    with CaptureQueriesContext(connection) as queries:
        retry = api.post("/appointments", {"slot_id": slot.pk, "service": SERVICE}, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_the_same_key_for_another_slot_is_refused_before_any_check(api: Any, applicant: Any) -> None:
    slot = tuesday_slot(capacity=2)
    other = tuesday_slot(capacity=2, hour=11, service_point=slot.service_point)
    assert book(api, applicant, slot.pk, key="mine").status_code == 201

    reused = book(api, applicant, other.pk, key="mine")

    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Slot.objects.get(pk=other.pk).booked == 0


def test_a_closure_saved_in_this_process_is_honoured_at_once(
    api: Any, applicant: Any, reference_cache: None
) -> None:
    open_slot = tuesday_slot(capacity=5, hour=10)
    later_slot = tuesday_slot(capacity=5, hour=11, service_point=open_slot.service_point)
    assert book(api, UserFactory(), open_slot.pk, key="before").status_code == 201

    ClosureFactory(service_point=open_slot.service_point, starts_on=TUESDAY, ends_on=TUESDAY)
    response = book(api, applicant, later_slot.pk, key="after")

    assert response.status_code == 409
    assert response.json()["code"] == "slot_closed"


def test_cached_days_expire_after_the_configured_seconds(applicant: Any, reference_cache: None) -> None:
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert [refcache.remember("k", load), refcache.remember("k", load)] == [1, 1]
    with override_settings(REFERENCE_CACHE_SECONDS=0):
        assert refcache.remember("k", load) == 2
    refcache._entries["k"] = (0.0, 99)  # an entry whose time is up
    assert refcache.remember("k", load) == 3


def test_a_success_writes_both_rows_whole_in_one_insert_each(
    api: Any, applicant: Any, reference_cache: None
) -> None:
    slot, booked, queries = _second_booking_captured(api, applicant, key="whole")

    assert booked.status_code == 201
    body = booked.json()
    inserts = [q["sql"] for q in queries if q["sql"].lstrip().startswith(("INSERT", "WITH"))]
    tables = [sql.split("INSERT INTO ")[1].split()[0].strip('"') for sql in inserts]
    assert tables == ["appointments_appointment", "appointments_idempotencyrecord", "audit_auditevent"]
    appointment = Appointment.objects.get(pk=body["id"])
    assert (appointment.code, appointment.user_id, appointment.slot_id) == (
        body["code"],
        applicant.pk,
        slot.pk,
    )
    assert (appointment.service_code, appointment.status) == (SERVICE, "booked")
    assert appointment.booked_at == appointment.updated_at
    assert (appointment.cancelled_at, appointment.checked_in_at) == (None, None)
    record = IdempotencyRecord.objects.get(user=applicant, key="whole")
    assert (record.response_status, record.response_body) == (201, body)
    assert record.created_at == appointment.booked_at
    event = AuditEvent.objects.get(action="appointment.booked", object_id=str(appointment.pk))
    assert event.actor_id == applicant.pk
    assert event.summary["slot_id"] == slot.pk
