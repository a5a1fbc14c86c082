"""Test data for kiosks: registered devices, people with permits, and paying like the gateway does."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from exitentry.accounts.models import Role, User
from exitentry.applications.tests import factories as app_factories
from exitentry.identity.models import HeldDocument, Person
from exitentry.kiosk import services
from exitentry.kiosk.models import KioskDevice
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order
from exitentry.servicepoints.models import ServicePoint

MONDAY_10 = app_factories.MONDAY_10
TODAY = app_factories.TODAY
hall = app_factories.hall
person = app_factories.person
hk_macau_permit = app_factories.hk_macau_permit
bearer = app_factories.bearer
_codes = iter(range(1, 10_000))


def device(point: ServicePoint, *, idle_timeout_seconds: int = 90, **fields: Any) -> tuple[KioskDevice, str]:
    """A registered kiosk and its token."""
    token = f"kd_test_{next(_codes):06d}_token"
    now = MONDAY_10
    created = KioskDevice.objects.create(
        code=f"kiosk-{next(_codes)}",
        name="Test kiosk",
        service_point=point,
        token_hash=services.hash_token(token),
        token_hint=token[-4:],
        idle_timeout_seconds=idle_timeout_seconds,
        created_at=now,
        updated_at=now,
        **fields,
    )
    return created, token


def _filing_bucket(id_number: str) -> int:
    # The sandbox information-sharing register's answer for an enterprise licence (see
    # applications/adapters.py): 0-7 confirmed, 8 not found, 9 did not answer.
    return hashlib.sha256(f"enterprise_licence|{id_number}".encode()).digest()[0] % 10


def person_with_filing(outcome: str, **fields: Any) -> Person:
    """Someone for whom the sandbox enterprise register answers `confirmed`, `not_found` or `unavailable`."""
    wanted = {"confirmed": range(0, 8), "not_found": (8,), "unavailable": (9,)}[outcome]
    for _attempt in range(300):
        candidate = person(**fields)
        if _filing_bucket(candidate.id_number or "") in wanted:
            return candidate
    raise AssertionError(f"no person with outcome {outcome}")


def permit_holder(
    outcome: str = "confirmed", endorsements: list[str] | None = None
) -> tuple[Person, HeldDocument]:
    owner = person_with_filing(outcome)
    permit = hk_macau_permit(owner, endorsements=endorsements if endorsements is not None else ["G"])
    return owner, permit


def applicant_user(owner: Person, **fields: Any) -> User:
    return app_factories.applicant(owner, **fields)


def staff(role: str, *points: ServicePoint) -> User:
    return app_factories.staff(role, *points)


def officer(point: ServicePoint) -> User:
    return staff(Role.OFFICER, point)


def pay(client: Any, order: Order, *, succeeded: bool = True) -> Any:
    """What the sandbox gateway's server does when the person pays on their phone."""
    headers, body = SandboxGateway("wechat_pay").callback(order.number, order.amount, succeeded=succeeded)
    return client.post(
        "/api/v1/payments/callbacks/wechat_pay", body, content_type="application/json", headers=headers
    )


def start(
    kiosk: KioskDevice,
    owner: Person,
    service_code: str = "hk_macau_endorsement.S",
    key: str = "visit-key-0001",
) -> Any:
    reference = services.verify_face(owner)
    endorsement, _payment = services.start_instant_endorsement(
        device=kiosk,
        person=owner,
        service_code=service_code,
        face_check_reference=reference,
        idempotency_key=key,
        base_url="http://testserver/",
    )
    return endorsement


def later(minutes: float) -> dt.datetime:
    return MONDAY_10 + dt.timedelta(minutes=minutes)
