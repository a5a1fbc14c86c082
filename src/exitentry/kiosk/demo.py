"""The demo kiosk for `exitentry seed-demo`: one registered device at the first demo hall.

Idempotent: the device is keyed on its code and its token is derived from SECRET_KEY, so every
run prints the same token (seed-demo is refused in production, where no such token may exist).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from exitentry.accounts.demo import demo_province_halls
from exitentry.accounts.models import Role, User
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.kiosk import services
from exitentry.kiosk.models import KioskDevice

DEMO_CODE = "demo-kiosk-01"


@dataclass(frozen=True)
class DemoKiosk:
    device: KioskDevice
    token: str
    business_card: str | None  # a demo applicant whose enterprise filing the sandbox verifies
    repeat_card: str | None  # a demo applicant with a valid permit and an endorsement held before


def demo_token() -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"exitentry.kiosk.demo", hashlib.sha256).hexdigest()
    return f"kd_demo_{digest[:32]}"


def _demo_cards() -> tuple[str | None, str | None]:
    business = repeat = None
    applicants = User.objects.filter(role=Role.APPLICANT, person__isnull=False).select_related("person")
    for user in applicants.order_by("username")[:60]:
        person = user.person
        assert person is not None
        try:
            found = services.eligibility(person)
        except DomainError:
            continue
        for option in found.options:
            if not option.available:
                continue
            if option.basis == "enterprise_filing" and business is None:
                business = user.username
            if option.basis == "repeat" and repeat is None:
                repeat = user.username
        if business and repeat:
            break
    return business, repeat


def seed_demo_kiosk() -> DemoKiosk:
    hall = demo_province_halls().first()  # officer01's hall
    if hall is None:
        raise RuntimeError("seed the service network first")
    token = demo_token()
    now = clock.now()
    with transaction.atomic():
        device, created = KioskDevice.objects.update_or_create(
            code=DEMO_CODE,
            defaults={
                "name": "Demo kiosk 1",
                "service_point": hall,
                "token_hash": services.hash_token(token),
                "token_hint": token[-4:],
                "idle_timeout_seconds": services.current_policy().default_idle_timeout_seconds,
                "is_active": True,
                "updated_at": now,
            },
            create_defaults={
                "name": "Demo kiosk 1",
                "service_point": hall,
                "token_hash": services.hash_token(token),
                "token_hint": token[-4:],
                "idle_timeout_seconds": services.current_policy().default_idle_timeout_seconds,
                "created_at": now,
                "updated_at": now,
            },
        )
        record_event(
            "kiosk.demo_device_seeded", actor="system", obj=device, created=created, service_point=hall.code
        )
    business, repeat = _demo_cards()
    return DemoKiosk(device=device, token=token, business_card=business, repeat_card=repeat)
