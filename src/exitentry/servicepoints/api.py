"""Service points API, mounted at /api/v1/service-points (contracts in docs/DESIGN.md)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Path, Query, Router

from exitentry.core import clock
from exitentry.core.schemas import ErrorOut
from exitentry.servicepoints import services
from exitentry.servicepoints.models import OpeningHours, ServicePoint
from exitentry.servicepoints.schemas import (
    ClosureOut,
    IsoDate,
    ServicePointDetailOut,
    ServicePointOut,
    SessionOut,
    SlotOut,
    TodayOut,
    WeekdayOut,
)

router = Router(tags=["servicepoints"])

MAX_ID = services.MAX_ID


def _time(value: dt.time, *, closing: bool = False) -> str:
    return "24:00" if closing and value == dt.time(0, 0) else value.strftime("%H:%M")


def session_out(session: OpeningHours) -> SessionOut:
    return SessionOut(
        kind=session.kind,
        kind_label=str(session.get_kind_display()),
        opens=_time(session.opens),
        closes=_time(session.closes, closing=True),
        no_lunch_break=session.no_lunch_break,
        valid_from=session.valid_from,
        valid_to=session.valid_to,
    )


def _today_out(hours: services.DayHours) -> TodayOut:
    return TodayOut(
        date=hours.date,
        open=hours.open,
        reason=hours.reason,
        sessions=[session_out(s) for s in hours.sessions],
    )


def _point_fields(listing: services.PointListing) -> dict[str, object]:
    point: ServicePoint = listing.point
    return {
        "id": point.pk,
        "code": point.code,
        "name": point.name,
        "kind": point.kind,
        "kind_label": str(point.get_kind_display()),
        "city_code": point.city.code,
        "city": point.city.name,
        "address": point.address,
        "latitude": float(point.latitude),
        "longitude": float(point.longitude),
        "distance_km": listing.distance_km,
        "open_now": listing.open_now,
        "waiting": listing.waiting,
        "predicted_wait_minutes": listing.predicted_wait_minutes,
        "today": _today_out(listing.today),
    }


@router.get("", response={200: list[ServicePointOut], 422: ErrorOut}, auth=None)
def list_points(
    request: HttpRequest,
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    service: str | None = Query(None, max_length=80),
    city: str | None = Query(None, pattern=r"^\d{6}$"),
) -> list[ServicePointOut]:
    """Active service points; nearest first when `lat` and `lon` are given (great-circle km).

    With `service` (a catalog code) only points with a counter for its skill are listed.
    `waiting` and `predicted_wait_minutes` are null until live queue data is available.
    """
    listings = services.list_service_points(lat=lat, lon=lon, service=service, city_code=city)
    return [ServicePointOut(**_point_fields(item)) for item in listings]  # type: ignore[arg-type]


@router.get("/{point_id}", response={200: ServicePointDetailOut, 404: ErrorOut}, auth=None)
def point_detail(
    request: HttpRequest,
    point_id: int = Path(..., ge=1, le=MAX_ID),
) -> ServicePointDetailOut:
    """One service point with its weekly hours (every session), upcoming closures and skills."""
    point = services.get_service_point(point_id)
    now = clock.now()
    today = services.day_hours(point, clock.to_local(now).date())
    listing = services.PointListing(
        point=point,
        distance_km=None,
        open_now=services.open_now(point, now),
        today=today,
        waiting=None,
        predicted_wait_minutes=None,
    )
    waiting, predicted = services.queue_status([point.pk]).get(point.pk, (None, None))
    listing.waiting, listing.predicted_wait_minutes = waiting, predicted
    return ServicePointDetailOut(
        **_point_fields(listing),  # type: ignore[arg-type]
        phone=point.phone,
        calendar_rule=point.calendar_rule,
        makeup_day_weekday=point.makeup_day_weekday,
        skills=services.skills_offered(point),
        hours=[
            WeekdayOut(weekday=day.weekday, label=day.label, sessions=[session_out(s) for s in day.sessions])
            for day in services.weekly_hours(point)
        ],
        closures=[
            ClosureOut(starts_on=c.starts_on, ends_on=c.ends_on, reason=c.reason)
            for c in services.upcoming_closures(point)
        ],
    )


@router.get("/{point_id}/slots", response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut}, auth=None)
def point_slots(
    request: HttpRequest,
    date: IsoDate,
    point_id: int = Path(..., ge=1, le=MAX_ID),
    service: str | None = Query(None, max_length=80),
) -> list[SlotOut]:
    """Slots starting on `date` (local), with places left; past slots and closed days have none."""
    point = services.get_service_point(point_id)
    skill = services.resolve_service(service).skill if service else None
    slots = services.slots_on(point, date, skill)
    hours = services.day_hours(point, date)
    now = clock.now()
    return [
        SlotOut(
            id=slot.pk,
            start=clock.to_local(slot.start),
            end=clock.to_local(slot.end),
            skill=slot.skill,
            capacity=slot.capacity,
            booked=slot.booked,
            available=slot.available if services.bookable_now(slot, now=now, hours=hours) else 0,
        )
        for slot in slots
    ]
