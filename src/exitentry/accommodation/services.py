"""Accommodation registration: hotels and private hosts register foreign guests; police read them.

Every write is one function here that owns its transaction and writes its audit event. Duplicate
stays are refused by unique constraints (answered 409 `duplicate_registration`), so a double
click, a retry or two desks registering the same guest at once still give one registration.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exitentry.accommodation.models import (
    Area,
    Hotel,
    HotelAccount,
    LodgingKind,
    PoliceAssignment,
    Registration,
    RegistrationPolicy,
    RegistrationStatus,
)
from exitentry.accounts.models import Role, User
from exitentry.audit.services import record_access, record_event
from exitentry.core import clock
from exitentry.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from exitentry.identity.services import check_mrz

CSV_COLUMNS = ("mrz_line1", "mrz_line2", "room", "arrival", "expected_departure")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads every GBK file
MAX_CSV_BYTES = 2 * 1024 * 1024
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- Errors --------------------------------------------------------------------------------------


class RegistrationInvalid(InvalidInput):
    code = "registration_invalid"
    default_message = _("Some of the registration details are not valid.")


class DuplicateRegistration(Conflict):
    code = "duplicate_registration"
    default_message = _("This guest is already registered for this stay.")


class ArrivalInFuture(InvalidInput):
    code = "arrival_in_future"
    default_message = _("The guest's arrival is in the future, so there is nothing to check out yet.")


class CheckoutBeforeArrival(InvalidInput):
    code = "checkout_before_arrival"
    default_message = _("The checkout time is before the guest's arrival.")


class CheckoutInFuture(InvalidInput):
    code = "checkout_in_future"
    default_message = _("The checkout time is in the future.")


class NoHotel(PermissionDenied):
    code = "no_hotel"
    default_message = _("This account is not linked to a hotel. Ask the administrator to link it.")


class CsvUnreadable(InvalidInput):
    code = "csv_unreadable"
    default_message = _("The file could not be read as a CSV file in UTF-8 or GBK.")


class CsvWrongColumns(InvalidInput):
    code = "csv_wrong_columns"
    default_message = _("The file's columns are wrong.")


class CsvRowsInvalid(InvalidInput):
    code = "csv_rows_invalid"
    default_message = _(
        "Some rows have errors. Nothing was imported; correct the rows and upload the file again."
    )


class NoRegistrationPolicy(DomainError):
    status = 503
    code = "no_registration_policy"
    default_message = _("No accommodation registration policy is in force.")


# --- Inputs and checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StayIn:
    """One guest's stay. A naive `arrived_at` is local time (Asia/Shanghai)."""

    mrz: str
    arrived_at: dt.datetime
    expected_departure: dt.date
    room: str = ""


@dataclass(frozen=True)
class HostIn:
    host_name: str
    host_phone: str
    address: str
    area_code: str


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class CheckedStay:
    stay: StayIn
    arrived_at: dt.datetime
    guest: dict[str, Any]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=clock.LOCAL_ZONE)


def _check_stay(stay: StayIn, *, room_required: bool) -> tuple[CheckedStay | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    result = check_mrz(stay.mrz)
    if not result.valid:
        problems.extend(
            FieldProblem("mrz", f"mrz_{problem.code}", str(problem.message)) for problem in result.errors
        )
    elif result.expiry_date is not None and result.expiry_date < clock.today():
        problems.append(
            FieldProblem(
                "mrz",
                "passport_expired",
                gettext("The passport expired on %(date)s.") % {"date": result.expiry_date.isoformat()},
            )
        )
    arrived_at = _aware(stay.arrived_at)
    if arrived_at > clock.now():
        problems.append(
            FieldProblem("arrived_at", "arrival_in_future", gettext("The arrival cannot be in the future."))
        )
    if stay.expected_departure < clock.to_local(arrived_at).date():
        problems.append(
            FieldProblem(
                "expected_departure",
                "departure_before_arrival",
                gettext("The expected departure cannot be before the arrival date."),
            )
        )
    if room_required and not stay.room.strip():
        problems.append(FieldProblem("room", "room_required", gettext("Enter the room number.")))
    if problems:
        return None, problems
    guest = {
        "passport_number": result.document_number or "",
        "nationality": result.nationality or "",
        "surname": result.surname or "",
        "given_names": result.given_names or "",
        "birth_date": result.birth_date,
        "sex": result.sex or "X",
        "passport_expiry": result.expiry_date,
    }
    return CheckedStay(stay=stay, arrived_at=arrived_at, guest=guest), []


def _new_reference() -> str:
    return (
        "AR"
        + clock.today().strftime("%y%m%d")
        + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _private_lodging_key(area_code: str, address: str) -> str:
    normalised = " ".join(address.lower().split())
    return "private-" + hashlib.sha256(f"{area_code}|{normalised}".encode()).hexdigest()[:40]


def _audit_summary(registration: Registration) -> dict[str, Any]:
    return {
        "reference": registration.reference,
        "passport": registration.masked_passport,
        "nationality": registration.nationality,
        "arrived_at": registration.arrived_at.isoformat(),
    }


def _is_duplicate(lodging_key: str, guest: dict[str, Any], arrival_date: dt.date) -> bool:
    same_guest = Registration.objects.filter(
        lodging_key=lodging_key, nationality=guest["nationality"], passport_number=guest["passport_number"]
    )
    return (
        same_guest.filter(status=RegistrationStatus.CURRENT).exists()
        or same_guest.filter(arrival_date=arrival_date).exists()
    )


def _create(checked: CheckedStay, *, actor: Any, request: HttpRequest | None, **lodging: Any) -> Registration:
    """Insert one registration and its audit event; the caller owns the transaction."""
    registration = Registration.objects.create(
        reference=_new_reference(),
        room=checked.stay.room.strip(),
        arrived_at=checked.arrived_at,
        arrival_date=clock.to_local(checked.arrived_at).date(),
        expected_departure=checked.stay.expected_departure,
        registered_at=clock.now(),
        **checked.guest,
        **lodging,
    )
    record_event(
        "accommodation.guest_registered",
        actor=actor,
        obj=registration,
        request=request,
        after=_audit_summary(registration),
    )
    return registration


def _hotel_lodging(hotel: Hotel, actor: User) -> dict[str, Any]:
    return {
        "kind": LodgingKind.HOTEL,
        "hotel": hotel,
        "area": hotel.area,
        "address": hotel.address,
        "lodging_key": f"hotel-{hotel.pk}",
        "registered_by": actor,
    }


# --- Hotels --------------------------------------------------------------------------------------


def hotel_of(user: User) -> Hotel:
    """The hotel a hotel-operator account acts for."""
    account = (
        HotelAccount.objects.select_related("hotel__area").filter(user=user, hotel__is_active=True).first()
    )
    if account is None:
        raise NoHotel()
    return account.hotel


def register_guest(actor: User, stay: StayIn, *, request: HttpRequest | None = None) -> Registration:
    """A hotel registers one foreign guest; 422 with field errors, 409 for the same stay twice."""
    hotel = hotel_of(actor)
    checked, problems = _check_stay(stay, room_required=True)
    if checked is None:
        raise RegistrationInvalid(errors=[problem.as_dict() for problem in problems])
    lodging = _hotel_lodging(hotel, actor)
    arrival_date = clock.to_local(checked.arrived_at).date()
    if _is_duplicate(lodging["lodging_key"], checked.guest, arrival_date):
        raise DuplicateRegistration()
    try:
        with transaction.atomic():
            return _create(checked, actor=actor, request=request, **lodging)
    except IntegrityError as error:  # the same guest registered by someone else a moment ago
        raise DuplicateRegistration() from error


def _check_out(
    registration: Registration, at: dt.datetime | None, *, actor: Any, request: HttpRequest | None
) -> Registration:
    now = clock.now()
    at = _aware(at) if at is not None else now
    if registration.arrived_at > now:
        raise ArrivalInFuture()
    if at < registration.arrived_at:
        raise CheckoutBeforeArrival()
    if at > now:
        raise CheckoutInFuture()
    with transaction.atomic():
        moved = Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.CURRENT).update(
            status=RegistrationStatus.CHECKED_OUT, checked_out_at=at
        )
        if not moved:
            raise InvalidTransition(gettext("This guest has already checked out."))
        record_event(
            "accommodation.guest_checked_out",
            actor=actor,
            obj=registration,
            request=request,
            before={"status": RegistrationStatus.CURRENT},
            after={"status": RegistrationStatus.CHECKED_OUT, "checked_out_at": at.isoformat()},
        )
    registration.refresh_from_db()
    return registration


def check_out_guest(
    actor: User, registration_id: int, at: dt.datetime | None = None, *, request: HttpRequest | None = None
) -> Registration:
    """A hotel records a guest's checkout (now, or the time given)."""
    hotel = hotel_of(actor)
    registration = Registration.objects.filter(pk=registration_id, hotel=hotel).first()
    if registration is None:
        raise NotFound()
    return _check_out(registration, at, actor=actor, request=request)


def hotel_registrations(actor: User, *, current_only: bool = True) -> QuerySet[Registration]:
    registrations = Registration.objects.filter(hotel=hotel_of(actor))
    if current_only:
        registrations = registrations.filter(status=RegistrationStatus.CURRENT)
    return registrations.order_by("room", "surname")


# --- CSV upload ----------------------------------------------------------------------------------


def csv_template() -> str:
    """The template a hotel fills in: the header and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "P<FRAMARTIN<<LUCAS<<<<<<<<<<<<<<<<<<<<<<<<<<",
            "18FR123458FRA9002155M3201152<<<<<<<<<<<<<<00",
            "305",
            "2026-03-07 22:30",
            "2026-03-10",
        ]
    )
    return buffer.getvalue()


def _decode(data: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvUnreadable()


def _parse_arrival(value: str) -> dt.datetime | None:
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            # A wall-clock time in the province; the caller attaches the zone.
            return dt.datetime.strptime(value.strip(), pattern)  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        return None


def _read_rows(data: bytes) -> list[dict[str, str]]:
    if len(data) > MAX_CSV_BYTES:
        raise CsvUnreadable(gettext("The file is larger than 2 MB; split it into smaller files."))
    text = _decode(data)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name.strip() for name in (reader.fieldnames or [])]
        rows = [
            {(key or "").strip(): (value or "") for key, value in row.items() if key is not None}
            for row in reader
        ]
    except csv.Error as error:
        raise CsvUnreadable() from error
    missing = [name for name in CSV_COLUMNS if name not in header]
    unexpected = [name for name in header if name not in CSV_COLUMNS]
    if missing or unexpected:
        raise CsvWrongColumns(
            gettext(
                "The columns must be exactly: %(expected)s. Missing: %(missing)s. "
                "Not expected: %(unexpected)s."
            )
            % {
                "expected": ", ".join(CSV_COLUMNS),
                "missing": ", ".join(missing) or "—",
                "unexpected": ", ".join(unexpected) or "—",
            },
            expected=list(CSV_COLUMNS),
            missing=missing,
            unexpected=unexpected,
        )
    rows = [row for row in rows if any(value.strip() for value in row.values())]
    if not rows:
        raise CsvRowsInvalid(gettext("The file has a header but no guests."), rows=[])
    return rows


def import_guests_csv(actor: User, data: bytes, *, request: HttpRequest | None = None) -> list[Registration]:
    """Register a day's guests from a CSV file: every row or none (one transaction)."""
    hotel = hotel_of(actor)
    lodging = _hotel_lodging(hotel, actor)
    rows = _read_rows(data)
    row_errors: list[dict[str, Any]] = []
    checked_rows: list[CheckedStay] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        arrival = _parse_arrival(row["arrival"])
        departure = _parse_date(row["expected_departure"])
        problems: list[FieldProblem] = []
        if arrival is None:
            problems.append(
                FieldProblem("arrival", "invalid_datetime", gettext("Write the arrival as YYYY-MM-DD HH:MM."))
            )
        if departure is None:
            problems.append(
                FieldProblem(
                    "expected_departure",
                    "invalid_date",
                    gettext("Write the expected departure as YYYY-MM-DD."),
                )
            )
        checked = None
        if arrival is not None and departure is not None:
            stay = StayIn(
                mrz=f"{row['mrz_line1'].strip()}\n{row['mrz_line2'].strip()}",
                arrived_at=arrival,
                expected_departure=departure,
                room=row["room"],
            )
            checked, stay_problems = _check_stay(stay, room_required=True)
            problems.extend(stay_problems)
        if checked is not None:
            key = (checked.guest["nationality"], checked.guest["passport_number"])
            if key in seen:
                problems.append(
                    FieldProblem(
                        "mrz", "duplicate_in_file", gettext("This guest appears more than once in the file.")
                    )
                )
            elif _is_duplicate(
                lodging["lodging_key"], checked.guest, clock.to_local(checked.arrived_at).date()
            ):
                problems.append(
                    FieldProblem(
                        "mrz", DuplicateRegistration.code, str(DuplicateRegistration.default_message)
                    )
                )
            seen.add(key)
        if problems:
            row_errors.extend({"row": number, **problem.as_dict()} for problem in problems)
        elif checked is not None:
            checked_rows.append(checked)
    if row_errors:
        raise CsvRowsInvalid(rows=row_errors)
    try:
        with transaction.atomic():
            created = [_create(checked, actor=actor, request=request, **lodging) for checked in checked_rows]
            record_event(
                "accommodation.guests_imported",
                actor=actor,
                obj=hotel,
                request=request,
                after={
                    "count": len(created),
                    "references": [registration.reference for registration in created],
                },
            )
    except IntegrityError as error:
        raise DuplicateRegistration() from error
    return created


# --- Private hosts -------------------------------------------------------------------------------


def register_private_stay(
    host: HostIn, stay: StayIn, *, request: HttpRequest | None = None
) -> tuple[Registration, str]:
    """A private host (no account) registers a guest; returns the registration and its edit token."""
    problems: list[FieldProblem] = []
    area = Area.objects.filter(code=host.area_code).first()
    if area is None:
        problems.append(
            FieldProblem("area", "unknown_area", gettext("Choose the district where the home is."))
        )
    for field, value, message in (
        ("host_name", host.host_name, gettext("Enter the host's name.")),
        ("host_phone", host.host_phone, gettext("Enter the host's phone number.")),
        ("address", host.address, gettext("Enter the address of the home.")),
    ):
        if not value.strip():
            problems.append(FieldProblem(field, f"{field}_required", message))
    checked, stay_problems = _check_stay(stay, room_required=False)
    problems.extend(stay_problems)
    if checked is None or area is None or problems:
        raise RegistrationInvalid(errors=[problem.as_dict() for problem in problems])
    token = secrets.token_urlsafe(18)
    lodging: dict[str, Any] = {
        "kind": LodgingKind.PRIVATE,
        "area": area,
        "address": host.address.strip(),
        "host_name": host.host_name.strip(),
        "host_phone": host.host_phone.strip(),
        "lodging_key": _private_lodging_key(area.code, host.address),
        "edit_token_hash": _hash_token(token),
    }
    if _is_duplicate(lodging["lodging_key"], checked.guest, clock.to_local(checked.arrived_at).date()):
        raise DuplicateRegistration()
    try:
        with transaction.atomic():
            registration = _create(checked, actor="private host", request=request, **lodging)
    except IntegrityError as error:
        raise DuplicateRegistration() from error
    return registration, token


def private_stay(reference: str, token: str) -> Registration:
    """The private registration, if the edit token matches; any mismatch looks like an unknown number."""
    registration = Registration.objects.filter(
        reference=reference.strip().upper(), kind=LodgingKind.PRIVATE
    ).first()
    if registration is None or not hmac.compare_digest(
        registration.edit_token_hash, _hash_token(token.strip())
    ):
        raise NotFound(gettext("No registration matches this reference number and edit code."))
    return registration


def check_out_private_stay(
    reference: str, token: str, at: dt.datetime | None = None, *, request: HttpRequest | None = None
) -> Registration:
    return _check_out(private_stay(reference, token), at, actor="private host", request=request)


# --- Police --------------------------------------------------------------------------------------


def police_areas(user: User) -> QuerySet[Area]:
    if user.role == Role.ADMIN or user.is_superuser:
        return Area.objects.all()
    return Area.objects.filter(pk__in=PoliceAssignment.objects.filter(user=user).values("area"))


def current_registrations_for_police(user: User, area_code: str | None = None) -> QuerySet[Registration]:
    """Guests staying now in the areas the police account covers (optionally one of them)."""
    registrations = Registration.objects.filter(
        area__in=police_areas(user), status=RegistrationStatus.CURRENT
    ).select_related("area", "hotel")
    if area_code:
        registrations = registrations.filter(area__code=area_code)
    return registrations.order_by("-arrived_at")


def registration_for_police(
    user: User, registration_id: int, *, request: HttpRequest | None = None
) -> Registration:
    """The full record, unmasked, for a police account covering its area; the read is audited."""
    registration = (
        Registration.objects.filter(pk=registration_id, area__in=police_areas(user))
        .select_related("area", "hotel")
        .first()
    )
    if registration is None:
        raise NotFound()
    record_access(user, registration, purpose="police_accommodation", request=request)
    return registration


# --- Late registrations --------------------------------------------------------------------------


def deadline_hours() -> int | None:
    """Hours after arrival within which a guest must be registered, under today's policy."""
    policy = RegistrationPolicy.objects.effective_on(clock.today()).first()
    return policy.deadline_hours if policy else None


def flag_late_registrations(now: dt.datetime | None = None) -> list[str]:
    """Flag registrations made more than the policy's deadline after arrival; returns references."""
    now = now or clock.now()
    policy = RegistrationPolicy.objects.effective_on(clock.to_local(now).date()).first()
    if policy is None:
        raise NoRegistrationPolicy()
    deadline = dt.timedelta(hours=policy.deadline_hours)
    with transaction.atomic():
        late = Registration.objects.filter(
            flagged_late_at__isnull=True, registered_at__gt=F("arrived_at") + deadline
        )
        references = list(late.order_by("pk").values_list("reference", flat=True))
        if not references:
            return []
        Registration.objects.filter(reference__in=references, flagged_late_at__isnull=True).update(
            flagged_late_at=now
        )
        record_event(
            "accommodation.late_registrations_flagged",
            actor="system",
            object_type="accommodation.registration",
            after={"references": references, "deadline_hours": policy.deadline_hours},
        )
    return references


def areas() -> Iterable[Area]:
    return sorted(Area.objects.all(), key=lambda area: area.name)
