"""The public visa-free transit checker: stateless, no sign-in."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from exitentry.core.schemas import ErrorOut
from exitentry.transit import services
from exitentry.transit.schemas import FailureOut, PlaceOut, PortOut, TransitCheckIn, TransitCheckOut

router = Router(tags=["transit"])


@router.post("/check", response={200: TransitCheckOut, 400: ErrorOut, 422: ErrorOut}, auth=None)
def check(request: HttpRequest, payload: TransitCheckIn) -> TransitCheckOut:
    """Is this trip eligible for 240-hour visa-free transit? Every failing condition is listed.

    Codes: `nationality_not_eligible`, `port_not_designated`, `origin_is_mainland_china`,
    `destination_is_mainland_china`, `destination_same_as_origin`, `departure_before_arrival`,
    `departure_after_permitted_stay`, `no_transit_policy`. Times are answered in the port's zone.
    """
    answer = services.check_transit(services.Trip(**payload.dict()))
    return TransitCheckOut(
        eligible=answer.eligible,
        failures=[FailureOut(code=failure.code, message=failure.message) for failure in answer.failures],
        arrival=answer.arrival,
        departure=answer.departure,
        stay_starts_at=answer.stay_starts_at,
        stay_ends_at=answer.stay_ends_at,
        stay_hours=answer.policy.stay_hours if answer.policy else None,
        entry_port_name=answer.port.name if answer.port else None,
        stay_region=answer.port.stay_region_name if answer.port else None,
    )


@router.get("/places", response={200: list[PlaceOut]}, auth=None)
def places(request: HttpRequest) -> list[PlaceOut]:
    """Countries and regions with their codes, names in the request's language."""
    return [PlaceOut(iso3=place.iso3, kind=place.kind, name=place.name) for place in services.places()]


@router.get("/ports", response={200: list[PortOut]}, auth=None)
def ports(request: HttpRequest) -> list[PortOut]:
    """Ports designated for visa-free transit entry today, with time zone and stay region."""
    return [
        PortOut(
            code=port.code,
            kind=port.kind,
            name=port.name,
            time_zone=port.time_zone,
            stay_region=port.stay_region_name,
        )
        for port in services.ports_in_force()
    ]
