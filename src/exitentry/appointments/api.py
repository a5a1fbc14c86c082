"""Appointments API, mounted at /api/v1/appointments (contracts in docs/DESIGN.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Path, Router
from ninja.responses import Status

from exitentry.accounts.auth import PresentedToken, api_auth, deferred_api_auth
from exitentry.appointments import services
from exitentry.appointments.models import Appointment
from exitentry.appointments.schemas import AppointmentOut, BookingIn, BookingOut
from exitentry.core import clock
from exitentry.core.schemas import ErrorOut

router = Router(tags=["appointments"])

MAX_ID = services.MAX_ID


def appointment_out(appointment: Appointment) -> AppointmentOut:
    slot = appointment.slot
    return AppointmentOut(
        id=appointment.pk,
        code=appointment.code,
        slot_id=slot.pk,
        service=appointment.service_code,
        status=appointment.status,
        status_label=str(appointment.get_status_display()),
        start=clock.to_local(slot.start),
        end=clock.to_local(slot.end),
        service_point_id=slot.service_point_id,
        service_point=slot.service_point.name,
        booked_at=clock.to_local(appointment.booked_at),
    )


@router.post(
    "",
    response={
        201: BookingOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=deferred_api_auth,
)
def book(
    request: HttpRequest,
    payload: BookingIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[BookingOut]:
    """Book a place in a slot. Send an `Idempotency-Key`: a retry with the same key and body gets
    the same answer and never a second appointment; the same key with another body is 422.

    409 `slot_full`, `already_booked` (one active appointment per service), `slot_in_past`,
    `slot_closed`, `booking_not_open_yet`, `too_many_appointments`; 429 `booking_rate_limited`.
    """
    first_read = None
    if isinstance(request.auth, PresentedToken):  # type: ignore[attr-defined]
        # The token is checked in the booking's first read (docs/adr/0015): 401 before anything else.
        first_read = services.read_for_token(request.auth.token, payload.slot_id, idempotency_key)  # type: ignore[attr-defined]
        request.user = first_read.user
        user = first_read.user
    else:
        user = request.auth  # type: ignore[attr-defined]
    if idempotency_key is None:
        raise services.IdempotencyKeyRequired()
    outcome = services.book_slot(
        user,
        payload.slot_id,
        payload.service,
        idempotency_key,
        request=request,
        first_read=first_read,
    )
    return Status(outcome.status, BookingOut(**outcome.body))


@router.get("", response={200: list[AppointmentOut], 401: ErrorOut}, auth=api_auth)
def my_appointments(request: HttpRequest) -> list[AppointmentOut]:
    """The caller's appointments, newest first."""
    return [appointment_out(a) for a in services.appointments_of(request.auth)]  # type: ignore[attr-defined]


@router.get("/{appointment_id}", response={200: AppointmentOut, 401: ErrorOut, 404: ErrorOut}, auth=api_auth)
def appointment_detail(
    request: HttpRequest,
    appointment_id: int = Path(..., ge=1, le=MAX_ID),
) -> AppointmentOut:
    """One of the caller's appointments (anyone else's is 404)."""
    return appointment_out(services.get_own_appointment(request.auth, appointment_id))  # type: ignore[attr-defined]


@router.delete(
    "/{appointment_id}", response={204: None, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=api_auth
)
def cancel(
    request: HttpRequest,
    appointment_id: int = Path(..., ge=1, le=MAX_ID),
) -> Status[None]:
    """Cancel one of the caller's booked appointments before it starts; the place is freed."""
    services.cancel_appointment(request.auth, appointment_id, request=request)  # type: ignore[attr-defined]
    return Status(204, None)
