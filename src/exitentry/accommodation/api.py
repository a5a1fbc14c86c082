"""Accommodation registration API: hotels (Bearer/session), private hosts (public), police.

Errors: 422 `registration_invalid` with `details.errors` = [{field, code, message}];
409 `duplicate_registration`; CSV: 422 `csv_wrong_columns` (names the columns),
`csv_rows_invalid` (`details.rows` = [{row, field, code, message}], nothing imported),
`csv_unreadable`; checkout: 422 `checkout_before_arrival` / `arrival_in_future` /
`checkout_in_future`, 409 `invalid_transition` when already checked out.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from exitentry.accommodation import services
from exitentry.accommodation.models import Registration
from exitentry.accommodation.schemas import (
    AreaOut,
    CheckoutIn,
    ImportOut,
    PrivateCheckoutIn,
    PrivateStayIn,
    PrivateStayOut,
    RegistrationListOut,
    RegistrationOut,
    StayIn,
)
from exitentry.accounts.auth import api_auth
from exitentry.accounts.models import Role
from exitentry.accounts.services import require_role
from exitentry.core.schemas import ErrorOut

router = Router(tags=["accommodation"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _row(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "reference": registration.reference,
        "kind": registration.kind,
        "area": registration.area.code,
        "lodging": registration.hotel.name if registration.hotel else registration.address,
        "room": registration.room,
        "guest_name": registration.guest_name,
        "nationality": registration.nationality,
        "passport_number": registration.masked_passport,
        "arrived_at": registration.arrived_at,
        "expected_departure": registration.expected_departure,
        "status": registration.status,
        "late": registration.flagged_late_at is not None,
    }


def _full(registration: Registration) -> dict[str, Any]:
    return {
        **_row(registration),
        "passport_number": registration.passport_number,
        "lodging": registration.hotel.name if registration.hotel else registration.address,
        "address": registration.address,
        "birth_date": registration.birth_date,
        "sex": registration.sex,
        "passport_expiry": registration.passport_expiry,
        "registered_at": registration.registered_at,
        "checked_out_at": registration.checked_out_at,
    }


def _stay(payload: StayIn) -> services.StayIn:
    return services.StayIn(
        mrz=payload.mrz,
        arrived_at=payload.arrived_at,
        expected_departure=payload.expected_departure,
        room=payload.room,
    )


@router.get("/areas", response={200: list[AreaOut]}, auth=None)
def list_areas(request: HttpRequest) -> list[AreaOut]:
    return [AreaOut(code=area.code, name=area.name) for area in services.areas()]


@router.post("/registrations", response={201: RegistrationListOut, **ERRORS}, auth=api_auth)
def register_guest(request: HttpRequest, payload: StayIn) -> Status:
    """A hotel operator registers a foreign guest from the passport's MRZ."""
    user = require_role(request.auth, Role.HOTEL_OPERATOR)  # type: ignore[attr-defined]
    registration = services.register_guest(user, _stay(payload), request=request)
    return Status(201, _row(registration))


@router.post("/registrations/import", response={201: ImportOut, **ERRORS}, auth=api_auth)
def import_guests(request: HttpRequest, file: UploadedFile = File(...)) -> Status:  # noqa: B008
    """Register a day's guests from a CSV file (UTF-8 or GBK): all rows or none."""
    user = require_role(request.auth, Role.HOTEL_OPERATOR)  # type: ignore[attr-defined]
    created = services.import_guests_csv(user, file.read(), request=request)
    return Status(201, ImportOut(imported=len(created), references=[r.reference for r in created]))


@router.get("/registrations/template.csv", auth=None)
def csv_template(request: HttpRequest) -> HttpResponse:
    """The CSV template for bulk upload."""
    response = HttpResponse(services.csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="guests-template.csv"'
    return response


@router.get("/registrations", response={200: list[RegistrationListOut], **ERRORS}, auth=api_auth)
def list_registrations(request: HttpRequest, area: str | None = Query(None)) -> list[dict[str, Any]]:
    """Current guests: a hotel operator sees its hotel, police the areas they cover. Masked."""
    user = require_role(request.auth, Role.HOTEL_OPERATOR, Role.POLICE)  # type: ignore[attr-defined]
    if user.role == Role.HOTEL_OPERATOR:
        registrations = services.hotel_registrations(user).select_related("area", "hotel")
    else:
        registrations = services.current_registrations_for_police(user, area)
    return [_row(registration) for registration in registrations]


@router.get("/registrations/{registration_id}", response={200: RegistrationOut, **ERRORS}, auth=api_auth)
def police_registration(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    """The full record for police covering its area; the read is logged."""
    user = require_role(request.auth, Role.POLICE)  # type: ignore[attr-defined]
    return _full(services.registration_for_police(user, registration_id, request=request))


@router.post(
    "/registrations/{registration_id}/checkout", response={200: RegistrationListOut, **ERRORS}, auth=api_auth
)
def check_out(request: HttpRequest, registration_id: int, payload: CheckoutIn) -> dict[str, Any]:
    user = require_role(request.auth, Role.HOTEL_OPERATOR)  # type: ignore[attr-defined]
    return _row(services.check_out_guest(user, registration_id, payload.checked_out_at, request=request))


@router.post("/private-stays", response={201: PrivateStayOut, **ERRORS}, auth=None)
def register_private_stay(request: HttpRequest, payload: PrivateStayIn) -> Status:
    """A private host registers a foreign guest: no account; keep the reference and edit token."""
    host = services.HostIn(
        host_name=payload.host_name,
        host_phone=payload.host_phone,
        address=payload.address,
        area_code=payload.area,
    )
    registration, token = services.register_private_stay(host, _stay(payload), request=request)
    return Status(201, PrivateStayOut(reference=registration.reference, edit_token=token))


@router.post("/private-stays/{reference}/checkout", response={200: RegistrationListOut, **ERRORS}, auth=None)
def check_out_private_stay(
    request: HttpRequest, reference: str, payload: PrivateCheckoutIn
) -> dict[str, Any]:
    registration = services.check_out_private_stay(
        reference, payload.edit_token, payload.checked_out_at, request=request
    )
    return _row(registration)
