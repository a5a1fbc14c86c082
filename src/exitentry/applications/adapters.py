"""Adapters at the application's external boundaries, each an interface with a sandbox.

- Information sharing: asks a government register (household register, marriage register,
  residence permits, enterprise licences, identity) whether it confirms a material for a person,
  so the applicant need not send it. A register that is slow or down raises
  `InformationSharingUnavailable`; the caller then falls back to asking for the document.
- Face verification: a live face check on the applicant's phone, matched against the photo on
  the identity record. `start` opens a check and may return a page to send the applicant to;
  `result` says whether the check with that reference passed.

- Courier: books a shipment of a finished document to the applicant's address and reports its
  scans (picked up, in transit, out for delivery, delivered). `book` is idempotent on the
  reference (a retried booking returns the same tracking number); `events` lists the scans so far.
  Couriers that push instead call the signed callback endpoint (`POST
  /api/v1/applications/courier/events`).

The implementation is chosen by `settings.EXITENTRY_ADAPTERS["info_sharing"]`,
`["face_verification"]` and `["courier"]`; the sandboxes are the default outside production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from exitentry.catalog.models import VerificationSource

DEFAULT_INFO_SHARING = "exitentry.applications.adapters.SandboxInformationSharing"
DEFAULT_FACE_VERIFICATION = "exitentry.applications.adapters.SandboxFaceVerification"
DEFAULT_COURIER = "exitentry.applications.adapters.SandboxCourier"


@dataclass(frozen=True)
class PersonFacts:
    """What a register is asked about: never more than it needs to find the person."""

    id_number: str
    full_name: str
    household_city_code: str


# --- Information sharing -----------------------------------------------------------------------


class InformationSharingUnavailable(Exception):
    """The register did not answer in time or answered with an error."""


@dataclass(frozen=True)
class SourceAnswer:
    confirmed: bool
    reference: str = ""


class InformationSharing(Protocol):
    def confirm(self, *, source: str, material: str, person: PersonFacts) -> SourceAnswer: ...


class SandboxInformationSharing:
    """Deterministic demo answers, the same for the same person every time.

    - identity: confirmed for every well-formed 18-character ID number.
    - household register: confirmed when the household is registered in this province (the
      province's own register), not found otherwise.
    - marriage, residence permit, enterprise licence: decided by a hash of (source, ID number):
      about 80% confirmed, 10% not found and 10% "register did not answer" (the timeout path).
    """

    def confirm(self, *, source: str, material: str, person: PersonFacts) -> SourceAnswer:
        if source == VerificationSource.IDENTITY:
            return self._answer(len(person.id_number) == 18, source, person)
        if source == VerificationSource.HOUSEHOLD_REGISTER:
            in_province = person.household_city_code.startswith(settings.EXITENTRY_PROVINCE_CODE)
            return self._answer(in_province, source, person)
        bucket = hashlib.sha256(f"{source}|{person.id_number}".encode()).digest()[0] % 10
        if bucket == 9:
            raise InformationSharingUnavailable(f"sandbox: the {source} register did not answer")
        return self._answer(bucket < 8, source, person)

    @staticmethod
    def _answer(confirmed: bool, source: str, person: PersonFacts) -> SourceAnswer:
        if not confirmed:
            return SourceAnswer(confirmed=False)
        digest = hashlib.sha256(f"{source}|{person.id_number}".encode()).hexdigest()[:12].upper()
        return SourceAnswer(confirmed=True, reference=f"SANDBOX-{digest}")


def information_sharing() -> InformationSharing:
    path = settings.EXITENTRY_ADAPTERS.get("info_sharing", DEFAULT_INFO_SHARING)
    return import_string(path)()


# --- Face verification -------------------------------------------------------------------------


class FaceVerificationUnavailable(Exception):
    """The face verification service could not be reached."""


@dataclass(frozen=True)
class FaceCheckStart:
    reference: str
    redirect_url: str | None = None  # where the applicant does the check; None if already done


class FaceVerification(Protocol):
    def start(self, *, person: PersonFacts, return_url: str) -> FaceCheckStart: ...

    def passed(self, *, person: PersonFacts, reference: str) -> bool: ...


class SandboxFaceVerification:
    """A face check without a camera: `start` returns a reference that passes at once.

    References beginning `sandbox-pass-` pass and everything else fails, so tests and API
    callers can send `sandbox-fail` to see the refusal; `sandbox-unavailable` raises the
    "service unavailable" error.
    """

    PASS_PREFIX = "sandbox-pass-"

    def start(self, *, person: PersonFacts, return_url: str) -> FaceCheckStart:
        return FaceCheckStart(reference=f"{self.PASS_PREFIX}{secrets.token_hex(8)}")

    def passed(self, *, person: PersonFacts, reference: str) -> bool:
        if reference == "sandbox-unavailable":
            raise FaceVerificationUnavailable("sandbox: face verification unavailable")
        return reference.startswith(self.PASS_PREFIX) and len(reference) > len(self.PASS_PREFIX)


def face_verification() -> FaceVerification:
    path = settings.EXITENTRY_ADAPTERS.get("face_verification", DEFAULT_FACE_VERIFICATION)
    return import_string(path)()


# --- Courier -----------------------------------------------------------------------------------


class CourierUnavailable(Exception):
    """The courier's booking service could not be reached or refused the booking."""


@dataclass(frozen=True)
class ShipmentRequest:
    reference: str  # ours, unique per item: the courier books it once
    recipient_name: str
    phone: str
    address: str


@dataclass(frozen=True)
class CourierBooking:
    courier: str
    tracking_number: str


@dataclass(frozen=True)
class CourierScan:
    code: str  # picked_up, in_transit, out_for_delivery, delivered
    at: dt.datetime
    location: str = ""


class Courier(Protocol):
    def book(self, request: ShipmentRequest) -> CourierBooking: ...

    def events(
        self, *, tracking_number: str, booked_at: dt.datetime, now: dt.datetime
    ) -> list[CourierScan]: ...


class SandboxCourier:
    """A courier without lorries: deterministic tracking numbers and a fixed timetable of scans.

    The tracking number is `SBX` + 12 digits derived from the reference, so a retried booking gets
    the same number. After booking, the scans come at +1 h (picked up), +4 h (in transit), +20 h
    (out for delivery) and +24 h (delivered); `events` returns those whose time has come. A
    recipient address containing "sandbox-courier-down" makes the booking fail (the fault path).
    """

    NAME = "Sandbox Express"
    TIMETABLE: tuple[tuple[str, dt.timedelta, str], ...] = (
        ("picked_up", dt.timedelta(hours=1), "Jinan sorting centre"),
        ("in_transit", dt.timedelta(hours=4), "Jinan → destination"),
        ("out_for_delivery", dt.timedelta(hours=20), "Local delivery station"),
        ("delivered", dt.timedelta(hours=24), "Recipient's address"),
    )

    def book(self, request: ShipmentRequest) -> CourierBooking:
        if "sandbox-courier-down" in request.address:
            raise CourierUnavailable("sandbox: the courier did not answer")
        digits = int(hashlib.sha256(request.reference.encode()).hexdigest(), 16) % 10**12
        return CourierBooking(courier=self.NAME, tracking_number=f"SBX{digits:012d}")

    def events(self, *, tracking_number: str, booked_at: dt.datetime, now: dt.datetime) -> list[CourierScan]:
        if not tracking_number.startswith("SBX"):
            return []  # not one of ours
        return [
            CourierScan(code=code, at=booked_at + offset, location=location)
            for code, offset, location in self.TIMETABLE
            if booked_at + offset <= now
        ]


def courier() -> Courier:
    path = settings.EXITENTRY_ADAPTERS.get("courier", DEFAULT_COURIER)
    return import_string(path)()
