"""The optional second factor: TOTP from an authenticator app, with single-use recovery codes.

Enrolment is two steps (a pending secret, then a confirming code). Each sign-in of an enrolled
account, on the page or for an API token, asks for a code; wrong codes are throttled like wrong
passwords and audited. A code's 30-second step is remembered so that it works once only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts import throttle
from exitentry.accounts.models import RecoveryCode, TotpDevice, User
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import Conflict, DomainError, PermissionDenied, Throttled

STEP_SECONDS = 30
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class InvalidOtp(DomainError):
    status = 401
    code = "invalid_otp"
    default_message = _("The security code is not correct or has already been used.")


class OtpRequired(DomainError):
    status = 401
    code = "otp_required"
    default_message = _("This account uses a second factor: enter the code from your authenticator app.")


class OtpThrottled(Throttled):
    code = "otp_throttled"
    default_message = _("Too many wrong security codes. Please wait 15 minutes and try again.")


class TotpNotAllowed(PermissionDenied):
    code = "totp_not_offered"
    default_message = _("A second factor is offered to staff accounts only.")


class TotpAlreadyEnrolled(Conflict):
    code = "totp_already_enrolled"
    default_message = _("An authenticator is already set up for this account.")


class TotpEnrolmentRequired(PermissionDenied):
    code = "totp_enrolment_required"
    default_message = _(
        "Staff accounts must set up an authenticator first: sign in on the web page to do it."
    )


class NoPendingEnrolment(Conflict):
    code = "no_pending_enrolment"
    default_message = _("Start setting up the authenticator again: no pending set-up was found.")


def may_enrol(user: User) -> bool:
    return user.is_active and user.role in settings.TOTP_ROLES


def is_enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def must_enrol(user: User) -> bool:
    """Staff who must set up a second factor before working, while they have none."""
    return settings.STAFF_TOTP_REQUIRED and may_enrol(user) and not is_enrolled(user)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=settings.TOTP_ISSUER)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def start_enrolment(user: User, request: HttpRequest | None = None) -> TotpDevice:
    """A new pending secret for `user` (replacing an unconfirmed one)."""
    if not may_enrol(user):
        raise TotpNotAllowed()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.is_confirmed:
            raise TotpAlreadyEnrolled()
        secret = pyotp.random_base32()
        if device is None:
            device = TotpDevice.objects.create(user=user, secret=secret, created_at=clock.now())
        else:
            device.secret, device.created_at, device.last_step = secret, clock.now(), 0
            device.save(update_fields=["secret", "created_at", "last_step"])
        record_event("auth.totp_enrolment_started", actor=user, obj=user, request=request)
    return device


def pending_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()


@dataclass(frozen=True)
class Enrolled:
    recovery_codes: list[str]


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(user: User, code: str, request: HttpRequest | None = None) -> Enrolled:
    """Confirm the pending secret with a code from the app; returns fresh recovery codes, shown once."""
    _refuse_while_throttled(user)
    device = pending_device(user)
    if device is None:
        raise NoPendingEnrolment()
    step = _matching_step(device.secret, code)
    if step is None:
        _fail(user, request, "enrolment")
    codes = [_new_recovery_code() for _ in range(settings.TOTP_RECOVERY_CODES)]
    with transaction.atomic():
        confirmed = TotpDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
            confirmed_at=clock.now(), last_step=step
        )
        if not confirmed:
            raise TotpAlreadyEnrolled()
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash(code), created_at=clock.now()) for code in codes
        )
        record_event("auth.totp_enrolled", actor=user, obj=user, request=request)
    throttle.clear(_throttle_key(user))
    return Enrolled(recovery_codes=codes)


def _throttle_key(user: User) -> str:
    return f"otp:user:{user.pk}"


def _refuse_while_throttled(user: User) -> None:
    if throttle.failures(_throttle_key(user)) >= settings.LOGIN_THROTTLE_FAILURES:
        raise OtpThrottled()


def _fail(user: User, request: HttpRequest | None, stage: str) -> None:
    throttle.add_failure(_throttle_key(user), settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    with transaction.atomic():
        record_event("auth.otp_failed", actor=user, obj=user, request=request, stage=stage)
    raise InvalidOtp()


def verify(user: User, code: str, request: HttpRequest | None = None) -> str:
    """Check a second-factor code (TOTP or recovery code) for an enrolled user; returns which kind.

    Each TOTP step and each recovery code works once: the conditional UPDATE lets only one of two
    concurrent sign-ins with the same code through.
    """
    _refuse_while_throttled(user)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise OtpRequired()
    step = _matching_step(device.secret, code)
    with transaction.atomic():
        if step is not None:
            used = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
            kind = "totp"
        else:
            used = RecoveryCode.objects.filter(user=user, code_hash=_hash(code), used_at__isnull=True).update(
                used_at=clock.now()
            )
            kind = "recovery_code"
        if used:
            record_event("auth.otp_verified", actor=user, obj=user, request=request, kind=kind)
    if not used:
        _fail(user, request, "sign_in")
    throttle.clear(_throttle_key(user))
    return kind


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def reset(user: User, *, actor: User, request: HttpRequest | None = None) -> None:
    """Remove a user's authenticator and recovery codes (an administrator helping a locked-out user)."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        record_event("auth.totp_reset", actor=actor, obj=user, request=request)
