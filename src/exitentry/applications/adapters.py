"""Adapters at the application's external boundaries, each an interface with a sandbox.

- Information sharing: asks a government register (household register, marriage register,
  residence permits, enterprise licences, identity) whether it confirms a material for a person,
  so the applicant need not send it. A register that is slow or down raises
  `InformationSharingUnavailable`; the caller then falls back to asking for the document.
- Face verification: a live face check on the applicant's phone, matched against the photo on
  the identity record. `start` opens a check and may return a page to send the applicant to;
  `result` says whether the check with that reference passed.

The implementation is chosen by `settings.EXITENTRY_ADAPTERS["info_sharing"]` and
`["face_verification"]`; the sandboxes are the default outside production.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from exitentry.catalog.models import VerificationSource

DEFAULT_INFO_SHARING = "exitentry.applications.adapters.SandboxInformationSharing"
DEFAULT_FACE_VERIFICATION = "exitentry.applications.adapters.SandboxFaceVerification"


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
