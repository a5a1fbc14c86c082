"""Queueing API.

- `GET /api/v1/service-points/{id}/queue` (public): per skill waiting, counters open, predicted
  wait and who is being called — what the hall display shows.
- `/api/v1/queue/...`: the ticket machine (public: a kiosk in the hall) and the officers'
  counter actions (Bearer token or session; officers and supervisors only at their own halls).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.responses import Status

from exitentry.accounts.auth import api_auth
from exitentry.accounts.models import User
from exitentry.accounts.services import require_role
from exitentry.core import clock
from exitentry.core.errors import InvalidInput
from exitentry.core.masking import mask_phone
from exitentry.core.schemas import ErrorOut
from exitentry.queueing import services
from exitentry.queueing.models import Ticket
from exitentry.queueing.schemas import (
    CallOut,
    CheckInIn,
    CounterSessionOut,
    HallQueueOut,
    IssueTicketIn,
    SkillQueueOut,
    TicketOut,
    TransferIn,
)
from exitentry.servicepoints.services import get_service_point

MAX_ID = services.MAX_ID

hall_router = Router(tags=["queueing"])
router = Router(tags=["queueing"])


def ticket_out(ticket: Ticket, outlook: services.TicketOutlook | None = None) -> TicketOut:
    outlook = outlook or services.ticket_outlook(ticket)
    return TicketOut(
        id=ticket.pk,
        number=ticket.number,
        service_point_id=ticket.service_point_id,
        skill=ticket.skill,
        skill_label=services.skill_label(ticket.skill),
        service=ticket.service_code,
        priority=ticket.priority,
        status=ticket.status,
        counter=ticket.counter.number if ticket.counter_id and ticket.counter else None,
        people_ahead=outlook.people_ahead,
        predicted_wait_minutes=outlook.predicted_wait_minutes,
        issued_at=clock.to_local(ticket.issued_at),
        called_at=clock.to_local(ticket.last_called_at) if ticket.last_called_at else None,
        phone=mask_phone(ticket.phone),
        appointment_code=ticket.appointment.code if ticket.appointment_id and ticket.appointment else None,
    )


def _staff(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    return require_role(user, *services.QUEUE_STAFF_ROLES)


def _ticket_for(request: HttpRequest, ticket_id: int) -> tuple[User, Ticket]:
    user = _staff(request)
    ticket = services.get_ticket(ticket_id)
    services.require_in_scope(user, ticket.service_point_id)
    return user, ticket


def _counter_for(request: HttpRequest, counter_id: int) -> tuple[User, Any]:
    user = _staff(request)
    counter = services.get_counter(counter_id)
    services.require_in_scope(user, counter.service_point_id)
    return user, counter


# ---------------------------------------------------------------------------------------------
# The hall's queue (public)


def _moment(value: str | None) -> dt.datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("Give the time as ISO 8601, e.g. 2026-09-21T10:30:00+08:00."), field="at"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.LOCAL_ZONE)


@hall_router.get("/{point_id}/queue", response={200: HallQueueOut, 404: ErrorOut, 422: ErrorOut}, auth=None)
def hall_queue(
    request: HttpRequest,
    point_id: int = Path(..., ge=1, le=MAX_ID),
    at: str | None = Query(None, max_length=40),
) -> HallQueueOut:
    """Per skill offered: people waiting, counters open (and busy), the predicted wait of someone
    joining at `at` (ISO 8601; default now; without an offset it is Shanghai time) and the tickets
    being called now. `predicted_wait_minutes` is null while no counter for the skill is open.
    The hall figures: everyone waiting, the longest predicted wait.
    """
    point = get_service_point(point_id)
    now = clock.now()
    moment = _moment(at)
    board = services.display_board(point)
    forecasts = services.forecast([point.pk], moment, now=now).get(point.pk, {})
    calls = [
        CallOut(ticket=c.number, counter=c.counter, skill=c.skill, recalled=c.recalled)
        for c in board.now_calling
    ]
    skills = [
        SkillQueueOut(
            skill=f.skill,
            label=f.label,
            waiting=f.waiting,
            counters_open=f.counters_open,
            busy=f.busy,
            predicted_wait_minutes=f.predicted_wait_minutes,
            mean_service_minutes=round(f.mean_service_minutes, 1)
            if f.mean_service_minutes is not None
            else None,
            now_calling=[c for c in calls if c.skill == f.skill],
        )
        for f in forecasts.values()
    ]
    waits = [s.predicted_wait_minutes for s in skills if s.predicted_wait_minutes is not None]
    return HallQueueOut(
        service_point_id=point.pk,
        at=clock.to_local(moment or now),
        waiting=sum(s.waiting for s in skills),
        predicted_wait_minutes=max(waits) if waits else None,
        skills=skills,
        now_calling=calls,
    )


# ---------------------------------------------------------------------------------------------
# The ticket machine (public)


@router.post(
    "/service-points/{point_id}/tickets",
    response={201: TicketOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=None,
)
def issue_ticket(
    request: HttpRequest, payload: IssueTicketIn, point_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status[TicketOut]:
    """A walk-in's ticket for a catalog `service` or a counter `skill`, with an optional mobile
    `phone` for the "your turn is near" text. 409 `hall_closed`, `skill_not_offered`;
    422 `unknown_service`, `unknown_skill`, `invalid_phone`, `service_or_skill_required`.
    """
    point = get_service_point(point_id)
    ticket = services.issue_ticket(
        point,
        service_code=payload.service,
        skill=payload.skill,
        phone=payload.phone,
        language=translation.get_language() or "",
        actor=None,
        request=request,
    )
    return Status(201, ticket_out(ticket))


@router.post(
    "/service-points/{point_id}/check-in",
    response={200: TicketOut, 201: TicketOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=None,
)
def check_in(
    request: HttpRequest, payload: CheckInIn, point_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status[TicketOut]:
    """An appointment holder checks in with their code: 201 with a new ticket, 200 with the same
    ticket when they had checked in already. 404 `appointment_not_found`; 409
    `check_in_too_early`, `check_in_too_late`, `appointment_at_another_hall`, `appointment_not_active`.
    """
    point = get_service_point(point_id)
    outcome = services.check_in(
        payload.code,
        point,
        phone=payload.phone,
        language=translation.get_language() or "",
        actor=None,
        request=request,
    )
    return Status(200 if outcome.replayed else 201, ticket_out(outcome.ticket))


# ---------------------------------------------------------------------------------------------
# Counters (officers)


def session_out(session: Any) -> CounterSessionOut:
    return CounterSessionOut(
        counter_id=session.counter_id,
        counter=session.counter.number,
        service_point_id=session.counter.service_point_id,
        officer=session.officer.get_username(),
        opened_at=clock.to_local(session.opened_at),
        closed_at=clock.to_local(session.closed_at) if session.closed_at else None,
    )


COUNTER_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post(
    "/counters/{counter_id}/open", response={200: CounterSessionOut, **COUNTER_ERRORS}, auth=api_auth
)
def open_counter(request: HttpRequest, counter_id: int = Path(..., ge=1, le=MAX_ID)) -> CounterSessionOut:
    """Start working at a counter. 409 `counter_already_open`, `already_at_a_counter`."""
    user, counter = _counter_for(request, counter_id)
    return session_out(services.open_counter(counter, user, request=request))


@router.post(
    "/counters/{counter_id}/close", response={200: CounterSessionOut, **COUNTER_ERRORS}, auth=api_auth
)
def close_counter(request: HttpRequest, counter_id: int = Path(..., ge=1, le=MAX_ID)) -> CounterSessionOut:
    """Stop working at a counter. 409 `counter_busy` while a ticket is called or served there."""
    user, counter = _counter_for(request, counter_id)
    return session_out(services.close_counter(counter, user, request=request))


@router.post("/counters/{counter_id}/call-next", response={200: TicketOut, **COUNTER_ERRORS}, auth=api_auth)
def call_next(request: HttpRequest, counter_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    """Call the next ticket by the routing policy. 409 `queue_empty`, `counter_busy`, `counter_not_open`."""
    user, counter = _counter_for(request, counter_id)
    return ticket_out(services.call_next(counter, user, request=request))


@router.get("/counters/{counter_id}/queue", response={200: list[TicketOut], **COUNTER_ERRORS}, auth=api_auth)
def counter_queue(request: HttpRequest, counter_id: int = Path(..., ge=1, le=MAX_ID)) -> list[TicketOut]:
    """The tickets this counter would call, in order (phones masked)."""
    _user, counter = _counter_for(request, counter_id)
    rows = services.counter_queue(counter)
    return [
        ticket_out(
            row.ticket,
            services.TicketOutlook(
                people_ahead=index, predicted_wait_minutes=None, raw_minutes=None, counters=[]
            ),
        )
        for index, row in enumerate(rows)
    ]


# ---------------------------------------------------------------------------------------------
# Tickets (officers)


TICKET_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def ticket_detail(request: HttpRequest, ticket_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    _user, ticket = _ticket_for(request, ticket_id)
    return ticket_out(ticket)


@router.post("/tickets/{ticket_id}/recall", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def recall(request: HttpRequest, ticket_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    """Call a called ticket again."""
    user, ticket = _ticket_for(request, ticket_id)
    return ticket_out(services.recall(ticket, user, request=request))


@router.post("/tickets/{ticket_id}/start", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def start(request: HttpRequest, ticket_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    """The called person has come: service starts."""
    user, ticket = _ticket_for(request, ticket_id)
    return ticket_out(services.start_serving(ticket, user, request=request))


@router.post("/tickets/{ticket_id}/finish", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def finish(request: HttpRequest, ticket_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    """Service done (an appointment is completed with it)."""
    user, ticket = _ticket_for(request, ticket_id)
    return ticket_out(services.finish(ticket, user, request=request))


@router.post("/tickets/{ticket_id}/no-show", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def no_show(request: HttpRequest, ticket_id: int = Path(..., ge=1, le=MAX_ID)) -> TicketOut:
    """The called person did not come."""
    user, ticket = _ticket_for(request, ticket_id)
    return ticket_out(services.mark_no_show(ticket, user, request=request))


@router.post("/tickets/{ticket_id}/transfer", response={200: TicketOut, **TICKET_ERRORS}, auth=api_auth)
def transfer(
    request: HttpRequest, payload: TransferIn, ticket_id: int = Path(..., ge=1, le=MAX_ID)
) -> TicketOut:
    """Send the person on to another `skill` or to one counter (`counter_id`); answers the new
    waiting leg (same number). 422 `transfer_target_required`, `counter_lacks_skill`."""
    user, ticket = _ticket_for(request, ticket_id)
    counter = services.get_counter(payload.counter_id) if payload.counter_id is not None else None
    leg = services.transfer(ticket, user, skill=payload.skill, counter=counter, request=request)
    return ticket_out(services.get_ticket(leg.pk))
