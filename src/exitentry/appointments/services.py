"""Booking, cancelling and the life of an appointment.

`book_slot` takes a place with ONE conditional statement,
`UPDATE slot SET booked = booked + 1 WHERE id = ? AND booked < capacity`, in the transaction that
inserts the appointment, stores the idempotent answer and writes the audit event; zero rows
means the slot is full. The account's row is locked first so that one account's concurrent
requests queue up (the per-account limit and the idempotency key are then exact), while
different accounts only meet at the slot row. Only successful bookings are remembered under an
Idempotency-Key; a refused request can be retried with the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import User
from exitentry.accounts.services import (
    TOKEN_HOLDER_COLUMNS,
    TOKEN_HOLDER_FROM,
    TOKEN_HOLDER_WHERE,
    token_holder,
    token_holder_params,
)
from exitentry.appointments.models import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    Appointment,
    AppointmentStatus,
    BookingPolicy,
    IdempotencyRecord,
)
from exitentry.audit.services import record_event
from exitentry.core import clock, refcache, rows
from exitentry.core.counters import increment
from exitentry.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotAuthenticated,
    NotFound,
    Throttled,
)
from exitentry.servicepoints.models import ServicePoint, Slot
from exitentry.servicepoints.services import MAX_ID, bookable_now, day_hours, resolve_service

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone
CODE_LENGTH = 10
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,100}")
IDEMPOTENCY_RETENTION = dt.timedelta(days=7)


class SlotNotFound(NotFound):
    code = "slot_not_found"
    default_message = _("There is no such slot.")


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _("This time is fully booked. Please choose another time.")


class AlreadyBooked(Conflict):
    code = "already_booked"
    default_message = _("You already have an appointment for this service.")


class SlotInPast(Conflict):
    code = "slot_in_past"
    default_message = _("This time has already passed.")


class SlotClosed(Conflict):
    code = "slot_closed"
    default_message = _("The service point is closed on this day.")


class SlotWrongService(InvalidInput):
    code = "slot_wrong_service"
    default_message = _("This slot is not for the chosen service.")


class BookingNotOpenYet(Conflict):
    code = "booking_not_open_yet"
    default_message = _("Booking for this day has not opened yet.")


class BookingClosed(Conflict):
    code = "booking_closed"
    default_message = _("Online booking is not available at this service point.")


class TooManyAppointments(Conflict):
    code = "too_many_appointments"
    default_message = _("You have as many appointments as one account may hold. Cancel one to book another.")


class BookingRateLimited(Throttled):
    code = "booking_rate_limited"
    default_message = _("Too many booking requests from your network. Please wait a minute and try again.")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    default_message = _("The Idempotency-Key must be 1 to 100 letters, digits or . _ : -")


class IdempotencyKeyRequired(InvalidInput):
    code = "idempotency_key_required"
    default_message = _("Send an Idempotency-Key header so that a retry cannot book twice.")


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"
    default_message = _("There is no such appointment.")


class AppointmentStarted(Conflict):
    code = "appointment_started"
    default_message = _("The appointment time has begun, so it can no longer be cancelled online.")


class CheckInNotToday(Conflict):
    code = "check_in_not_today"
    default_message = _("Check-in is only possible on the day of the appointment, before it ends.")


@dataclass(frozen=True)
class BookingOutcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False

    @property
    def appointment_id(self) -> int:
        return int(self.body["id"])


# ---------------------------------------------------------------------------------------------
# Policy


def booking_policy_for(point: ServicePoint, day: dt.date) -> BookingPolicy | None:
    """The policy in force on `day`: the point's own beats the province-wide one."""
    return refcache.remember(("booking_policy", point.pk, day), lambda: _booking_policy_for(point, day))


def _booking_policy_for(point: ServicePoint, day: dt.date) -> BookingPolicy | None:
    # One query: the point's own rows sort before the province-wide ones (NULLs last).
    return (
        BookingPolicy.objects.filter(effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .filter(Q(service_point=point) | Q(service_point__isnull=True))
        .order_by(F("service_point").asc(nulls_last=True), "-effective_from")
        .first()
    )


def last_bookable_day(policy: BookingPolicy, local_now: dt.datetime) -> dt.date:
    """Today + days_ahead once today's batch is released at `release_time`, else one day less."""
    released = local_now.time() >= policy.release_time
    return local_now.date() + dt.timedelta(days=policy.days_ahead - (0 if released else 1))


def _check_rate(policy: BookingPolicy, request: HttpRequest | None) -> None:
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if not ip:
        return
    minute = int(clock.now().timestamp() // 60)
    key = f"booking:ip:{ip}:{minute}"
    count = increment(key, expires_in=120)
    if count > policy.requests_per_ip_per_minute:
        raise BookingRateLimited(limit=policy.requests_per_ip_per_minute)


def ensure_default_booking_policy() -> BookingPolicy:
    """The province-wide policy, created (and audited) when none exists yet."""
    existing = BookingPolicy.objects.filter(service_point__isnull=True).order_by("-effective_from").first()
    if existing is not None:
        return existing
    policy = BookingPolicy(
        days_ahead=30,
        release_time=dt.time(8, 0),
        max_active_per_account=3,
        requests_per_ip_per_minute=60,
        effective_from=dt.date(2020, 1, 1),
        note="Default policy",
    )
    return save_booking_policy(policy, actor="system")


def save_booking_policy(
    policy: BookingPolicy, *, actor: Any, request: HttpRequest | None = None
) -> BookingPolicy:
    with transaction.atomic():
        creating = policy._state.adding
        policy.full_clean()
        policy.save()
        record_event(
            "appointments.booking_policy_created" if creating else "appointments.booking_policy_changed",
            actor=actor,
            obj=policy,
            request=request,
            after={
                "service_point": policy.service_point_id,
                "days_ahead": policy.days_ahead,
                "release_time": policy.release_time.isoformat(),
                "max_active_per_account": policy.max_active_per_account,
                "requests_per_ip_per_minute": policy.requests_per_ip_per_minute,
                "effective_from": policy.effective_from.isoformat(),
                "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
            },
        )
    return policy


def delete_booking_policy(policy: BookingPolicy, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        policy_id = policy.pk
        policy.delete()
        record_event(
            "appointments.booking_policy_deleted",
            actor=actor,
            object_type="appointments.bookingpolicy",
            object_id=str(policy_id),
            request=request,
        )


# ---------------------------------------------------------------------------------------------
# Booking


def _fingerprint(slot_id: int, service: str) -> str:
    canonical = json.dumps({"service": service, "slot_id": slot_id}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(user: Any, key: str, fingerprint: str) -> BookingOutcome | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key=key)
    return BookingOutcome(status=record.response_status, body=record.response_body, replayed=True)


def new_appointment_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class FirstRead:
    """What a booking's one read found: the slot (None if there is none) and whether the
    Idempotency-Key already has an answer of this account's."""

    user: Any
    slot: Slot | None
    answered_before: bool


def read_for_token(token: str, slot_id: int, idempotency_key: str | None) -> FirstRead:
    """The booking's first read for a Bearer token not yet checked: the token's holder, the slot
    and the key's earlier answer, in one statement (docs/adr/0015); 401 if no active account
    holds the unexpired token."""
    with connection.cursor() as cursor:
        cursor.execute(
            _HOLDER_SLOT_AND_KEY_SQL,
            [idempotency_key, slot_id if 1 <= slot_id <= MAX_ID else None, *token_holder_params(token)],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotAuthenticated()
    user = token_holder(row)
    slot_row = row[_USER_COLUMNS:-1]
    slot = _slot_from_row(slot_row) if slot_row[0] is not None else None
    return FirstRead(user=user, slot=slot, answered_before=bool(row[-1]))


def book_slot(
    user: Any,
    slot_id: int,
    service: str,
    idempotency_key: str | None = None,
    *,
    request: HttpRequest | None = None,
    first_read: FirstRead | None = None,
) -> BookingOutcome:
    """Book one place in `slot_id` for `service`; the same key and body give the same answer.

    Built for the morning rush, when most answers are `slot_full` (ADR 0011): one read brings the
    slot and whether this key has an earlier answer (`first_read`, when the caller made it with
    `read_for_token`); a slot read full is refused after that read, outside any transaction.
    Otherwise the conditional UPDATE takes the place. A refusal after the UPDATE looks for an
    earlier answer again (a concurrent twin with the same key may have just succeeded), so a
    retry always gets the first answer.
    """
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidIdempotencyKey()
    service = (service or "").strip()
    fingerprint = _fingerprint(slot_id, service)
    read = first_read or _slot_and_earlier_answer(user, slot_id, idempotency_key)
    if read.answered_before and idempotency_key is not None:
        replay = _replay(user, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    slot, policy, now = _check_bookable(read.slot, slot_id, service, request=request)
    try:
        return _take_place(user, slot, service, idempotency_key, fingerprint, policy, now, request=request)
    except (DomainError, IntegrityError):
        if idempotency_key is not None:
            replay = _replay(user, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise


def _slot_and_earlier_answer(user: Any, slot_id: int, key: str | None) -> FirstRead:
    """The slot and whether `key` has an answer of `user`'s, in one read."""
    if not 1 <= slot_id <= MAX_ID:
        return FirstRead(user=user, slot=None, answered_before=False)
    with connection.cursor() as cursor:
        cursor.execute(_SLOT_AND_KEY_SQL, [user.pk, key, slot_id])
        row = cursor.fetchone()
    if row is None:
        return FirstRead(user=user, slot=None, answered_before=False)
    return FirstRead(user=user, slot=_slot_from_row(row[:-1]), answered_before=bool(row[-1]))


def _slot_from_row(row: Sequence[Any]) -> Slot:
    """A plain row made into a Slot (a raw queryset's set-up cost more than the statement), its
    hall from the reference cache."""
    slot = rows.instance(Slot, row)
    slot.service_point = refcache.remember(
        ("service_point", slot.service_point_id),
        lambda: ServicePoint.objects.get(pk=slot.service_point_id),
    )
    return slot


# Raw SQL: this read runs on every booking request of the rush, and building it with the ORM
# costs the server several times the statement itself (ADR 0011).
_ANSWERED_BEFORE = (
    'EXISTS (SELECT 1 FROM appointments_idempotencyrecord r WHERE r.user_id = {user} AND r."key" = %s)'
)
_SLOT_AND_KEY_SQL = (
    f"SELECT {rows.select_list(Slot, 's')},"  # noqa: S608 - names from the model
    f" {_ANSWERED_BEFORE.format(user='%s')} AS answered_before FROM servicepoints_slot s WHERE s.id = %s"
)
# The same with the Bearer token's check (docs/adr/0015): the holder's columns lead, then the
# slot's (all NULL when there is no such slot), then answered_before.
_HOLDER_SLOT_AND_KEY_SQL = (
    f"SELECT {TOKEN_HOLDER_COLUMNS}, {rows.select_list(Slot, 's')},"  # noqa: S608 - names from the models
    f" {_ANSWERED_BEFORE.format(user='u.id')} AS answered_before"
    f" FROM {TOKEN_HOLDER_FROM} LEFT JOIN servicepoints_slot s ON s.id = %s WHERE {TOKEN_HOLDER_WHERE}"
)
_USER_COLUMNS = rows.column_count(User)


# The place, and the account's lock with its active appointments: written out, like the read
# above (ADR 0011). The UPDATE is the one in DESIGN.md; the CHECK constraint backs it.
_TAKE_PLACE_SQL = "UPDATE servicepoints_slot SET booked = booked + 1 WHERE id = %s AND booked < capacity"
_ACTIVE = [status.value for status in ACTIVE_STATUSES]
_LOCKED_ACCOUNT_ACTIVE_SQL = (
    "SELECT a.service_code FROM accounts_user u LEFT JOIN appointments_appointment a"  # noqa: S608
    f" ON a.user_id = u.id AND a.status IN ({', '.join(['%s'] * len(_ACTIVE))}) WHERE u.id = %s"
)


def _lock_account() -> str:
    # PostgreSQL locks the account row only; SQLite has no row locks (its writer lock serialises).
    if connection.features.has_select_for_update_of:
        return " FOR UPDATE OF u"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def _check_bookable(
    slot: Slot | None, slot_id: int, service: str, *, request: HttpRequest | None
) -> tuple[Slot, BookingPolicy, dt.datetime]:
    """The slot, the policy in force and the time, when `slot` can be booked now; else the refusal.

    A slot read full is refused here, without a write: true at the moment of the read (the read
    also saw any earlier answer for the key committed with the place that filled it).
    """
    if slot is None:
        raise SlotNotFound(slot_id=slot_id)
    bookable = resolve_service(service)
    if bookable.skill != slot.skill:
        raise SlotWrongService(slot_id=slot_id, service=service)
    local_start = clock.to_local(slot.start)
    today = clock.today()
    policy = booking_policy_for(slot.service_point, today)
    if policy is None:
        raise BookingClosed(service_point_id=slot.service_point_id)
    _check_rate(policy, request)
    now = clock.now()
    if slot.start <= now:
        raise SlotInPast(slot_id=slot_id)
    hours = day_hours(slot.service_point, local_start.date())
    if not bookable_now(slot, now=now, hours=hours):
        raise SlotClosed(slot_id=slot_id, reason=hours.reason)
    if local_start.date() > last_bookable_day(policy, clock.to_local(now)):
        opens_at = clock.local_datetime(
            local_start.date() - dt.timedelta(days=policy.days_ahead), policy.release_time
        )
        raise BookingNotOpenYet(opens_at=opens_at.isoformat())
    if slot.booked >= slot.capacity:
        raise SlotFull(slot_id=slot_id)
    return slot, policy, now


def _take_place(
    user: Any,
    slot: Slot,
    service: str,
    idempotency_key: str | None,
    fingerprint: str,
    policy: BookingPolicy,
    now: dt.datetime,
    *,
    request: HttpRequest | None,
) -> BookingOutcome:
    local_start = clock.to_local(slot.start)
    try:
        with transaction.atomic():
            # The slot's row is the one every request of a rush wants, so its place is taken
            # last, just before COMMIT: the row stays locked for one statement and the commit,
            # not for every write of the booking (docs/adr/0013). Zero rows rolls all back.
            with connection.cursor() as cursor:
                # One account's requests queue here, so the per-account limit below cannot be
                # passed by parallel requests.
                cursor.execute(_LOCKED_ACCOUNT_ACTIVE_SQL + _lock_account(), [*_ACTIVE, user.pk])
                active = [code for (code,) in cursor.fetchall() if code is not None]
            if service in active:
                raise AlreadyBooked(service=service)
            if len(active) >= policy.max_active_per_account:
                raise TooManyAppointments(limit=policy.max_active_per_account)
            # Both rows written by `rows.insert`: the ORM's save machinery cost more than the
            # statements (docs/adr/0011); no signal receiver listens to these models.
            appointment = Appointment(
                code=new_appointment_code(),
                user=user,
                person_id=getattr(user, "person_id", None),
                slot=slot,
                service_code=service,
                status=AppointmentStatus.BOOKED,
                booked_at=now,
                updated_at=now,
            )
            rows.insert(appointment)
            body = {"id": appointment.pk, "code": appointment.code, "slot_id": slot.pk, "status": "booked"}
            if idempotency_key is not None:
                rows.insert(
                    IdempotencyRecord(
                        user=user,
                        key=idempotency_key,
                        fingerprint=fingerprint,
                        response_status=201,
                        response_body=body,
                        created_at=now,
                    )
                )
            record_event(
                "appointment.booked",
                actor=user,
                obj=appointment,
                request=request,
                slot_id=slot.pk,
                service=service,
                service_point_id=slot.service_point_id,
                start=local_start.isoformat(),
            )
            with connection.cursor() as cursor:
                cursor.execute(_TAKE_PLACE_SQL, [slot.pk])
                if cursor.rowcount == 0:
                    raise SlotFull(slot_id=slot.pk)
    except IntegrityError:
        # The partial unique index stopped a concurrent twin (or the key's unique constraint a
        # retry, answered by the caller) before the place was taken; all was rolled back.
        if Appointment.objects.filter(user=user, service_code=service, status__in=ACTIVE_STATUSES).exists():
            raise AlreadyBooked(service=service) from None
        raise
    return BookingOutcome(status=201, body=body)


# ---------------------------------------------------------------------------------------------
# Cancelling and the appointment's later life


def appointments_of(user: Any) -> QuerySet[Appointment]:
    return Appointment.objects.filter(user=user).select_related("slot", "slot__service_point")


def get_own_appointment(user: Any, appointment_id: int) -> Appointment:
    """The user's appointment; someone else's answers exactly like one that does not exist."""
    appointment = (
        appointments_of(user).filter(pk=appointment_id).first() if 1 <= appointment_id <= MAX_ID else None
    )
    if appointment is None:
        raise AppointmentNotFound(id=appointment_id)
    return appointment


def _move(
    appointment: Appointment, to: str, *, stamp: dict[str, Any], actor: Any, request: HttpRequest | None
) -> None:
    """Apply one allowed transition with a conditional update; 0 rows means someone else moved it."""
    if to not in ALLOWED_TRANSITIONS[appointment.status]:
        raise InvalidTransition(current=appointment.status, requested=to)
    moved = Appointment.objects.filter(pk=appointment.pk, status=appointment.status).update(
        status=to, updated_at=clock.now(), **stamp
    )
    if moved == 0:
        raise InvalidTransition(requested=to)
    record_event(
        f"appointment.{to}",
        actor=actor,
        obj=appointment,
        request=request,
        before={"status": appointment.status},
        after={"status": to},
    )
    appointment.status = to
    for name, value in stamp.items():
        setattr(appointment, name, value)


def cancel_appointment(user: Any, appointment_id: int, *, request: HttpRequest | None = None) -> Appointment:
    """The owner cancels before the slot starts; the place goes back into the slot."""
    with transaction.atomic():
        appointment = get_own_appointment(user, appointment_id)
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidTransition(current=appointment.status, requested=AppointmentStatus.CANCELLED)
        now = clock.now()
        if appointment.slot.start <= now:
            raise AppointmentStarted(id=appointment_id)
        _move(
            appointment, AppointmentStatus.CANCELLED, stamp={"cancelled_at": now}, actor=user, request=request
        )
        Slot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    return appointment


def find_by_code(code: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("slot", "slot__service_point")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if appointment is None:
        raise AppointmentNotFound(code=code)
    return appointment


def check_in_appointment(
    appointment: Appointment, *, actor: Any, request: HttpRequest | None = None
) -> Appointment:
    """The holder arrives (ticket machine or counter): allowed on the slot's day until it ends."""
    with transaction.atomic():
        now = clock.now()
        if clock.to_local(appointment.slot.start).date() != clock.today() or appointment.slot.end <= now:
            raise CheckInNotToday(code=appointment.code)
        _move(
            appointment,
            AppointmentStatus.CHECKED_IN,
            stamp={"checked_in_at": now},
            actor=actor,
            request=request,
        )
    return appointment


def complete_appointment(
    appointment: Appointment, *, actor: Any, request: HttpRequest | None = None
) -> Appointment:
    with transaction.atomic():
        _move(
            appointment,
            AppointmentStatus.COMPLETED,
            stamp={"finished_at": clock.now()},
            actor=actor,
            request=request,
        )
    return appointment


def mark_checked_in_no_show(
    appointment: Appointment, *, actor: Any, request: HttpRequest | None = None
) -> Appointment:
    """A checked-in holder did not come to the counter when called (used by the queueing app)."""
    with transaction.atomic():
        _move(
            appointment,
            AppointmentStatus.NO_SHOW,
            stamp={"finished_at": clock.now()},
            actor=actor,
            request=request,
        )
    return appointment


def mark_no_shows(now: dt.datetime | None = None) -> int:
    """Booked appointments whose slot has ended become no-shows. Returns how many changed."""
    now = now or clock.now()
    changed = 0
    overdue = list(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, slot__end__lte=now).order_by("pk")[:10000]
    )
    for appointment in overdue:
        try:
            with transaction.atomic():
                _move(
                    appointment,
                    AppointmentStatus.NO_SHOW,
                    stamp={"finished_at": now},
                    actor="system",
                    request=None,
                )
        except InvalidTransition:
            continue  # checked in or cancelled meanwhile
        changed += 1
    return changed


def booked_between(
    point: ServicePoint, start: dt.datetime, end: dt.datetime, skill: str | None = None
) -> int:
    """Appointment holders still expected at `point` in slots starting in [start, end)."""
    expected = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        slot__service_point=point,
        slot__start__gte=start,
        slot__start__lt=end,
    )
    if skill is not None:
        expected = expected.filter(slot__skill=skill)
    return expected.count()


def purge_idempotency_records(now: dt.datetime | None = None) -> int:
    """Forget answers older than the retention period (a retry comes within minutes)."""
    cutoff = (now or clock.now()) - IDEMPOTENCY_RETENTION
    with transaction.atomic():
        deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        if deleted:
            record_event(
                "appointments.idempotency_records_purged",
                actor="system",
                object_type="appointments.idempotencyrecord",
                count=deleted,
            )
    return deleted
