"""Test data for applications: people, halls, accounts and files that pass (or fail) the checks."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from PIL import Image

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import issue_api_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.catalog.models import City
from exitentry.identity import demo
from exitentry.identity.models import HeldDocument, HeldDocumentStatus, Person
from exitentry.identity.tests.factories import HeldDocumentFactory
from exitentry.servicepoints.models import ServicePoint
from exitentry.servicepoints.tests.factories import ServicePointFactory

JINAN = "370100"
QINGDAO = "370200"
YANTAI = "370600"
BEIJING = "110000"
# Monday 2026-09-21, 10:00 in Shanghai.
MONDAY_10 = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 9, 21)

_sequence = iter(range(1, 10_000))


def city(code: str) -> City:
    return City.objects.get(code=code)


def hall(code: str, city_code: str = JINAN, **fields: Any) -> ServicePoint:
    return ServicePointFactory(code=code, city=city(city_code), **fields)


def person(
    *,
    age: int = 34,
    city_code: str | None = JINAN,
    fingerprints: bool = True,
    restricted: bool = False,
    sex: str = "M",
    region: str = "370102",
) -> Person:
    number = next(_sequence)
    birth_date = TODAY.replace(year=TODAY.year - age) - dt.timedelta(days=40 + number % 200)
    return Person.objects.create(
        full_name=f"测试{number:04d}",
        id_number=demo.make_resident_id(region, birth_date, number % 500, sex),
        birth_date=birth_date,
        sex=sex,
        phone=f"1390000{number:04d}",
        household_city=city(city_code) if city_code else None,
        fingerprints_on_file=fingerprints,
        exit_restricted=restricted,
    )


def passport(
    owner: Person, *, expires_in_days: int = 120, status: str = HeldDocumentStatus.VALID
) -> HeldDocument:
    expires_on = TODAY + dt.timedelta(days=expires_in_days)
    return HeldDocumentFactory(
        person=owner,
        document_type="passport",
        issued_on=expires_on.replace(year=expires_on.year - 10),
        expires_on=expires_on,
        status=status,
    )


def hk_macau_permit(
    owner: Person, *, endorsements: list[str] | None = None, expires_in_days: int = 900
) -> HeldDocument:
    expires_on = TODAY + dt.timedelta(days=expires_in_days)
    return HeldDocumentFactory(
        person=owner,
        document_type="hk_macau_permit",
        number=f"C{next(_sequence):08d}",
        issued_on=expires_on.replace(year=expires_on.year - 10),
        expires_on=expires_on,
        endorsements=endorsements if endorsements is not None else ["G"],
    )


def applicant(owner: Person | None = None, **fields: Any) -> User:
    owner = owner if owner is not None else person()
    return UserFactory(role=Role.APPLICANT, person=owner, phone=owner.phone, **fields)


def staff(role: str, *points: ServicePoint) -> User:
    user = UserFactory(role=role)
    user.service_points.set(points)
    return user


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(None, user.username, PASSWORD).token}"}


def png(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 120, 200)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def application_body(services: list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "services": services,
        "channel": "online",
        "priority": "normal",
        "delivery": {"method": "pickup", "service_point_id": overrides.pop("pickup", None)},
        "face_check_reference": "sandbox-pass-test",
    }
    body.update(overrides)
    return body


def make_item(
    owner: Person,
    point: ServicePoint,
    *,
    service_code: str = "passport.renewal",
    status: str = "under_review",
    priority: str = "normal",
    delivery: str = "pickup",
    accepted_on: dt.date | None = None,
    promised_date: dt.date | None = None,
    unit: str = "working_days",
    amount: int = 7,
    submitted_at: dt.datetime | None = None,
    account: User | None = None,
) -> Any:
    """An application with one item in `status`, written directly (no checks): for officer tests."""
    from decimal import Decimal

    from exitentry.applications import numbering
    from exitentry.applications.models import Application, ApplicationItem
    from exitentry.catalog.models import Service
    from exitentry.core import clock

    service = Service.objects.select_related("document_type", "endorsement_type").get(code=service_code)
    now = clock.now()
    user = account or User.objects.filter(person=owner).first() or applicant(owner)
    application = Application.objects.create(
        number=numbering.new_number(clock.today()),
        submitted_by=user,
        applicant=user,
        person=owner,
        full_name=owner.full_name,
        id_number=owner.id_number or "",
        birth_date=owner.birth_date,
        sex=owner.sex,
        phone=owner.phone,
        household_city_code=owner.household_city.code if owner.household_city else "",
        in_province=True,
        channel="online",
        priority=priority,
        emergency_reason="other" if priority == "emergency" else "",
        delivery_method=delivery,
        pickup_point=point if delivery == "pickup" else None,
        delivery_address="1 Quancheng Road, Jinan" if delivery == "mail" else "",
        service_point=point,
        total_fee=Decimal("120.00"),
        idempotency_key=f"direct-{next(_sequence)}",
        request_fingerprint="-",
        created_at=now,
        submitted_at=submitted_at or now,
        accepted_at=now if accepted_on else None,
    )
    return ApplicationItem.objects.create(
        application=application,
        person=owner,
        service=service,
        service_code=service.code,
        document_type=service.document_type.code,
        reason=service.reason,
        endorsement_type=service.endorsement_type.code if service.endorsement_type else "",
        standard_fee=Decimal("120.00"),
        fee=Decimal("120.00"),
        status=status,
        accepted_on=accepted_on,
        promised_date=promised_date,
        promise_rule="citizens.in_province" if promised_date else "",
        promise_amount=amount if promised_date else None,
        promise_unit=unit if promised_date else "",
        updated_at=now,
    )
