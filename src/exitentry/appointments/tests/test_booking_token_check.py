"""The booking endpoint checks its Bearer token inside its first read (docs/adr/0015): every way a
token can be wrong still answers 401 before anything else, and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from exitentry.accounts.services import revoke_api_token
from exitentry.accounts.tests.factories import UserFactory
from exitentry.appointments.models import Appointment, IdempotencyRecord
from exitentry.appointments.tests.conftest import MONDAY_10, bearer
from exitentry.appointments.tests.test_booking_api import tuesday_slot
from exitentry.audit.models import AuditEvent
from exitentry.servicepoints.models import Slot

SERVICE = "passport.renewal"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_10")]


def _post(api: Any, slot_id: int, headers: dict[str, str]) -> Any:
    return api.post("/appointments", {"slot_id": slot_id, "service": SERVICE}, headers=headers)


def _assert_refused_unauthenticated(response: Any, slot: Slot) -> None:
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert not Appointment.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="appointment.booked").exists()


def test_an_unknown_token_is_401(api: Any) -> None:
    slot = tuesday_slot()

    response = _post(api, slot.pk, {"Authorization": "Bearer not-a-token", "Idempotency-Key": "k"})

    _assert_refused_unauthenticated(response, slot)


def test_an_unknown_token_is_401_before_the_missing_idempotency_key(api: Any) -> None:
    slot = tuesday_slot()

    response = _post(api, slot.pk, {"Authorization": "Bearer not-a-token"})

    _assert_refused_unauthenticated(response, slot)


def test_an_unknown_token_is_401_even_for_a_slot_that_does_not_exist(api: Any) -> None:
    slot = tuesday_slot()

    response = _post(api, slot.pk + 1000, {"Authorization": "Bearer not-a-token", "Idempotency-Key": "k"})

    _assert_refused_unauthenticated(response, slot)


def test_a_known_token_for_a_slot_that_does_not_exist_is_404(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()

    response = _post(api, slot.pk + 1000, {**bearer(applicant), "Idempotency-Key": "k"})

    assert response.status_code == 404
    assert response.json()["code"] == "slot_not_found"


def test_an_expired_token_is_401(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    headers = {**bearer(applicant), "Idempotency-Key": "k"}

    expired = MONDAY_10 + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)
    assert expired < slot.start  # the slot itself could still be booked then

    with time_machine.travel(expired, tick=False):
        response = _post(api, slot.pk, headers)

    _assert_refused_unauthenticated(response, slot)


def test_a_revoked_token_is_401(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    headers = {**bearer(applicant), "Idempotency-Key": "k"}
    revoke_api_token(headers["Authorization"].removeprefix("Bearer "))

    response = _post(api, slot.pk, headers)

    _assert_refused_unauthenticated(response, slot)


def test_the_token_of_a_deactivated_account_is_401(api: Any, applicant: Any) -> None:
    slot = tuesday_slot()
    headers = {**bearer(applicant), "Idempotency-Key": "k"}
    applicant.is_active = False
    applicant.save(update_fields=["is_active"])

    response = _post(api, slot.pk, headers)

    _assert_refused_unauthenticated(response, slot)


def test_a_wrong_token_is_not_rescued_by_a_session_sent_along(client: Client) -> None:
    slot = tuesday_slot()
    client.force_login(UserFactory())

    response = client.post(
        "/api/v1/appointments",
        {"slot_id": slot.pk, "service": SERVICE},
        content_type="application/json",
        headers={"Authorization": "Bearer not-a-token", "Idempotency-Key": "k"},
    )

    _assert_refused_unauthenticated(response, slot)


def test_a_signed_in_browser_books_with_its_session(client: Client) -> None:
    slot = tuesday_slot()
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/api/v1/appointments",
        {"slot_id": slot.pk, "service": SERVICE},
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code == 201
    assert Appointment.objects.get().user == user
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_the_request_log_names_the_token_holder(api: Any, applicant: Any, caplog: Any) -> None:
    slot = tuesday_slot(capacity=0)

    with caplog.at_level("INFO", logger="exitentry.request"):
        response = _post(api, slot.pk, {**bearer(applicant), "Idempotency-Key": "k"})

    assert response.status_code == 409
    [line] = [record.msg for record in caplog.records if record.name == "exitentry.request"]
    assert line["user_id"] == applicant.pk
