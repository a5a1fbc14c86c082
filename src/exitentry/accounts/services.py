"""Signing in, API tokens and role checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts import throttle
from exitentry.accounts.models import ApiToken, Role, User
from exitentry.audit.services import record_event
from exitentry.core import clock, rows
from exitentry.core.errors import DomainError, NotAuthenticated, PermissionDenied, Throttled


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    default_message = _("The username or password is not correct.")


class LoginThrottled(Throttled):
    code = "login_throttled"
    default_message = _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")


def _throttle_keys(username: str, ip: str | None) -> list[str]:
    keys = [f"login:user:{username.strip().lower()}"]
    if ip:
        keys.append(f"login:ip:{ip}")
    return keys


def sign_in(request: HttpRequest | None, username: str, password: str) -> User:
    """Check a username and password, refusing while too many recent attempts have failed."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    keys = _throttle_keys(username, ip)
    limit = settings.LOGIN_THROTTLE_FAILURES
    if any(throttle.failures(key) >= limit for key in keys):
        raise LoginThrottled()
    user = authenticate(request, username=username, password=password)
    if user is None:
        for key in keys:
            throttle.add_failure(key, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        with transaction.atomic():
            record_event(
                "auth.sign_in_failed",
                actor=None,
                object_type="accounts.user",
                object_id="",
                request=request,
                username=username[:150],
            )
        raise InvalidCredentials()
    throttle.clear(keys[0])
    assert isinstance(user, User)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: dt.datetime


def issue_api_token(
    request: HttpRequest | None, username: str, password: str, otp: str | None = None
) -> IssuedToken:
    """A Bearer token for a correct password, and a correct second-factor code when enrolled."""
    from exitentry.accounts import totp

    user = sign_in(request, username, password)
    if totp.is_enrolled(user):
        if not otp:
            raise totp.OtpRequired()
        totp.verify(user, otp, request)
    elif totp.must_enrol(user):
        raise totp.TotpEnrolmentRequired()
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, key_hash=_hash_token(token), created_at=clock.now(), expires_at=expires_at
        )
        record_event("auth.api_token_issued", actor=user, obj=user, request=request)
    return IssuedToken(token=token, expires_at=expires_at)


# Raw SQL: every API call with a Bearer token runs this, and the ORM spent three times the
# statement's cost building it (docs/adr/0011); a plain row made into a User, as a raw queryset
# would, without reading the cursor's description (a third of a refused booking's time).
# The pieces are public so that a hot endpoint can check the token inside its own first read
# (docs/adr/0015): one definition of a valid token for both.
TOKEN_HOLDER_COLUMNS = rows.select_list(User, "u")
TOKEN_HOLDER_FROM = "accounts_user u JOIN accounts_apitoken t ON t.user_id = u.id"
TOKEN_HOLDER_WHERE = "t.key_hash = %s AND t.expires_at > %s AND u.is_active"
_USER_FOR_TOKEN_SQL = f"SELECT {TOKEN_HOLDER_COLUMNS} FROM {TOKEN_HOLDER_FROM} WHERE {TOKEN_HOLDER_WHERE}"  # noqa: S608 - names from the model


def plausible_token(token: str) -> bool:
    """Whether `token` is worth looking up at all (issued tokens are 43 characters)."""
    return bool(token) and len(token) <= 200


def token_holder_params(token: str) -> list[Any]:
    """The parameters of `TOKEN_HOLDER_WHERE`, in order."""
    return [_hash_token(token), connection.ops.adapt_datetimefield_value(clock.now())]


def token_holder(row: Sequence[Any]) -> User:
    """The account read by a statement whose columns begin with `TOKEN_HOLDER_COLUMNS`."""
    return rows.instance(User, row)


def user_for_token(token: str) -> User | None:
    """The active account holding the unexpired Bearer `token`, else None."""
    if not plausible_token(token):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_USER_FOR_TOKEN_SQL, token_holder_params(token))
        row = cursor.fetchone()
    if row is None:
        return None
    return token_holder(row)


def revoke_api_token(token: str) -> int:
    with transaction.atomic():
        deleted, _rows = ApiToken.objects.filter(key_hash=_hash_token(token)).delete()
    return deleted


def require_role(user: User | None, *roles: str) -> User:
    """The user, if signed in and holding one of `roles` (admins hold all); else a 401/403."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if not (user.has_role(*roles) or user.role == Role.ADMIN):
        raise PermissionDenied()
    return user


def service_point_ids_in_scope(user: User) -> set[int] | None:
    """Which service points a user may act on: a set for scoped roles, None meaning all."""
    if user.role in (Role.OFFICER, Role.SUPERVISOR) and not user.is_superuser:
        return set(user.service_points.values_list("id", flat=True))
    return None
