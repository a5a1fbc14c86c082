"""Recommendations API, mounted at /api/v1/recommendations (contract in docs/DESIGN.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from exitentry.core import clock
from exitentry.core.schemas import ErrorOut
from exitentry.routing import services
from exitentry.routing.schemas import IsoDateTimeWithOffset, RecommendationOut

router = Router(tags=["routing"])


@router.get("", response={200: list[RecommendationOut], 422: ErrorOut}, auth=None)
def recommendations(
    request: HttpRequest,
    lat: float = Query(..., ge=-90, le=90),
    lon: float = Query(..., ge=-180, le=180),
    service: str = Query(..., min_length=1, max_length=80),
    at: IsoDateTimeWithOffset | None = None,
) -> list[RecommendationOut]:
    """Halls for `service`, best first: score = travel minutes + predicted wait at arrival.

    `at` is when the caller sets off (ISO 8601 with offset; default now, at most 7 days ahead).
    Only halls with a counter for the service that serve someone arriving then are listed: open,
    or opening later that day (`opens_at`; the predicted wait includes the time until then).
    The predicted wait counts people waiting now, appointment holders due before the arrival and
    people recently sent to the hall who are still on their way; the first hall is recorded as
    sent to this caller (a later call by the same caller for the same service replaces it).
    """
    ranked = services.recommend(
        lat=lat,
        lon=lon,
        service=service,
        at=at,
        client_key=services.client_key_for(request),
        request=request,
    )
    return [
        RecommendationOut(
            service_point_id=item.point.pk,
            code=item.point.code,
            name=item.point.name,
            address=item.point.address,
            distance_km=round(item.distance_km, 2),
            travel_minutes=round(item.travel_minutes, 1),
            predicted_wait_minutes=None
            if item.predicted_wait_minutes is None
            else round(item.predicted_wait_minutes, 1),
            score=None if item.score is None else round(item.score, 1),
            arrival=clock.to_local(item.arrival).replace(microsecond=0),
            waiting=item.waiting,
            booked_due=item.booked_due,
            en_route=item.en_route,
            counters=item.counters,
            opens_at=None if item.opens_at is None else clock.to_local(item.opens_at),
        )
        for item in ranked
    ]
