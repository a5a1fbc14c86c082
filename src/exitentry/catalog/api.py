"""The catalog API: services with fees, the one-time notification, promised dates.

Public (no sign-in): these answer the questions anyone may ask before applying.
"""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest
from ninja import Router

from exitentry.catalog import services
from exitentry.catalog.models import Holder
from exitentry.catalog.schemas import ChecklistIn, ChecklistOut, PromisedDateIn, PromiseOut, ServiceOut
from exitentry.core.schemas import ErrorOut

router = Router(tags=["catalog"])


@router.get("/services", response={200: list[ServiceOut]}, auth=None)
def list_services(request: HttpRequest, holder: Holder | None = None) -> list[services.ServiceSummary]:
    """Every service offered, with its fee today (for endorsements: the usual entries option).

    `holder=citizen` or `holder=foreigner` keeps the services for Chinese citizens or for foreign nationals.
    """
    return services.list_services(holder=holder)


@router.post("/checklist", response={200: ChecklistOut, 422: ErrorOut}, auth=None)
def checklist(request: HttpRequest, payload: ChecklistIn) -> services.Checklist:
    """The one-time notification for several services: materials, fees, promised dates, where to go.

    422 codes: `unknown_service` (details.unknown lists them), `conflicting_services`,
    `birth_date_required`, `invalid_birth_date`, `household_city_required`,
    `invalid_household_city`, `invalid_entries`, `entries_not_applicable`, `fee_not_set`,
    `promise_not_set`, `calendar_unknown_year`, `validation_error`.
    """
    applicant = payload.applicant.model_dump()
    return services.build_checklist(payload.services, applicant, accepted_on=payload.accepted_on)


@router.post("/promised-date", response={200: PromiseOut, 422: ErrorOut}, auth=None)
def promised_date(request: HttpRequest, payload: PromisedDateIn) -> PromiseOut:
    """When an item accepted on `accepted_on` (default today) is promised, and by which rule."""
    promise = services.promised_date(
        payload.service,
        accepted_on=payload.accepted_on,
        in_province=payload.in_province,
        expedited=payload.expedited,
        channel=payload.channel,
    )
    return PromiseOut(service=payload.service, **dataclasses.asdict(promise))
