"""Consult API, mounted at /api/v1/consult: help search, hotline tickets, home visits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import File, Form, Header, Path, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from exitentry.accounts.auth import api_auth
from exitentry.accounts.models import Role
from exitentry.accounts.services import require_role
from exitentry.appointments.services import IdempotencyKeyRequired
from exitentry.consult import links, services
from exitentry.consult.models import Article, HomeVisitRequest, Ticket
from exitentry.consult.schemas import (
    ArticleOut,
    CallerBookingIn,
    CallerBookingOut,
    CallerOut,
    CloseIn,
    DecisionIn,
    EscalateIn,
    EscalationOut,
    FileApplicationIn,
    FiledApplicationOut,
    HomeVisitIn,
    HomeVisitOut,
    LookupIn,
    ResolveIn,
    ScheduleIn,
    SearchHitOut,
    SearchOut,
    ShareIn,
    ShareOut,
    TicketIn,
    TicketOut,
    VerifyIn,
)
from exitentry.core import clock
from exitentry.core.schemas import ErrorOut

router = Router(tags=["consult"])
ID = Path(..., ge=1, le=services.MAX_ID)
AGENT = (Role.HOTLINE_AGENT,)
OFFICERS = (Role.OFFICER, Role.SUPERVISOR)


def _language(requested: str | None) -> str:
    language = (requested or translation.get_language() or "zh-hans").lower()
    return language if language in services.LANGUAGE_CODES else "zh-hans"


def article_out(article: Article, language: str) -> ArticleOut:
    question, answer = services.article_text(article, language)
    return ArticleOut(
        id=article.pk,
        slug=article.slug,
        category=article.category,
        language=language,
        question=question,
        answer=answer,
        checklist_url=links.checklist_url(article),
        booking_url=links.booking_url(article),
    )


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.pk,
        number=ticket.number,
        language=ticket.language,
        status=ticket.status,
        category=ticket.category,
        outcome=ticket.outcome,
        consent_recorded=ticket.consent_at is not None,
        caller_found=ticket.person_id is not None,
        verified=ticket.is_verified,
        escalated_to=ticket.escalated_to_id,
        articles=sorted(ticket.articles.values_list("slug", flat=True)),
    )


# --- Help centre -------------------------------------------------------------------------------


@router.get("/articles/search", response={200: SearchOut, 422: ErrorOut})
def search(request: HttpRequest, q: str = "", lang: str | None = None) -> SearchOut:
    """Ranked help articles for `q` (any language; Chinese and Japanese by character pairs).
    Empty or symbol-only queries return no results; queries over 200 characters are cut."""
    language = _language(lang)
    result = services.search_articles(q[:10_000], language=language)
    return SearchOut(
        query=result.query,
        truncated=result.truncated,
        results=[
            SearchHitOut(**article_out(hit.article, language).dict(), score=hit.score) for hit in result.hits
        ],
    )


@router.get("/articles/{slug}", response={200: ArticleOut, 404: ErrorOut})
def article(request: HttpRequest, slug: str, lang: str | None = None) -> ArticleOut:
    return article_out(services.get_article(slug), _language(lang))


# --- Hotline -----------------------------------------------------------------------------------


def _agent(request: HttpRequest) -> Any:
    return require_role(request.auth, *AGENT)  # type: ignore[attr-defined]


def _ticket(request: HttpRequest, ticket_id: int) -> tuple[Any, Ticket]:
    agent = _agent(request)
    return agent, services.agent_ticket(agent, ticket_id)


AGENT_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/tickets", response={201: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def open_ticket(request: HttpRequest, payload: TicketIn) -> Status[TicketOut]:
    """A hotline agent opens a ticket for an incoming call in the caller's language."""
    ticket = services.open_ticket(_agent(request), payload.language, request=request)
    return Status(201, ticket_out(ticket))


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def get_ticket(request: HttpRequest, ticket_id: int = ID) -> TicketOut:
    return ticket_out(_ticket(request, ticket_id)[1])


@router.post("/tickets/{ticket_id}/consent", response={200: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def consent(request: HttpRequest, ticket_id: int = ID) -> TicketOut:
    """The caller agreed that the agent looks up their records (asked before any lookup)."""
    agent, ticket = _ticket(request, ticket_id)
    return ticket_out(services.record_consent(ticket, agent=agent, request=request))


@router.post("/tickets/{ticket_id}/lookup", response={200: CallerOut, **AGENT_ERRORS}, auth=api_auth)
def lookup(request: HttpRequest, payload: LookupIn, ticket_id: int = ID) -> CallerOut:
    """Find the caller by `id_number`, `phone` or `application` number; answers masked.
    409 `consent_required` before consent; 404 `caller_not_found`."""
    agent, ticket = _ticket(request, ticket_id)
    services.look_up_caller(ticket, agent=agent, kind=payload.kind, value=payload.value, request=request)
    return CallerOut(**services.view_caller(ticket, agent=agent, request=request).__dict__)


@router.post("/tickets/{ticket_id}/verify", response={200: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def verify(request: HttpRequest, payload: VerifyIn, ticket_id: int = ID) -> TicketOut:
    """The caller gives the last six characters of the ID number and the birth date.
    422 `verification_failed` (with `attempts_left`); 409 `verification_locked` after too many."""
    agent, ticket = _ticket(request, ticket_id)
    services.verify_caller(
        ticket, agent=agent, id_last6=payload.id_last6, birth_date=payload.birth_date, request=request
    )
    return ticket_out(ticket)


@router.get("/tickets/{ticket_id}/caller", response={200: CallerOut, **AGENT_ERRORS}, auth=api_auth)
def caller(request: HttpRequest, ticket_id: int = ID, unmasked: bool = False) -> CallerOut:
    """The caller's applications and appointments. `unmasked=true` before verification is
    403 `caller_not_verified` (and audited)."""
    agent, ticket = _ticket(request, ticket_id)
    return CallerOut(**services.view_caller(ticket, agent=agent, unmasked=unmasked, request=request).__dict__)


@router.post("/tickets/{ticket_id}/answers", response={200: ShareOut, **AGENT_ERRORS}, auth=api_auth)
def share(request: HttpRequest, payload: ShareIn, ticket_id: int = ID) -> ShareOut:
    """Record that an article was read to the caller; returns it in the caller's language."""
    agent, ticket = _ticket(request, ticket_id)
    found = services.get_article(payload.article_id)
    services.share_article(ticket, agent=agent, article=found, request=request)
    return ShareOut(ticket=ticket_out(ticket), article=article_out(found, ticket.language))


@router.post(
    "/tickets/{ticket_id}/appointments",
    response={201: CallerBookingOut, **AGENT_ERRORS, 429: ErrorOut},
    auth=api_auth,
)
def book_for_caller(
    request: HttpRequest,
    payload: CallerBookingIn,
    ticket_id: int = ID,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[CallerBookingOut]:
    """Book for the verified caller's account through the booking service (same rules, 409s)."""
    if idempotency_key is None:
        raise IdempotencyKeyRequired()
    agent, ticket = _ticket(request, ticket_id)
    appointment = services.book_for_caller(
        ticket,
        agent=agent,
        slot_id=payload.slot_id,
        service=payload.service,
        key=idempotency_key,
        request=request,
    )
    return Status(
        201,
        CallerBookingOut(
            id=appointment.pk,
            code=appointment.code,
            slot_id=appointment.slot_id,
            status=appointment.status,
            start=clock.to_local(appointment.slot.start),
            service_point=appointment.slot.service_point.name,
        ),
    )


@router.delete(
    "/tickets/{ticket_id}/appointments/{appointment_id}", response={204: None, **AGENT_ERRORS}, auth=api_auth
)
def cancel_for_caller(request: HttpRequest, ticket_id: int = ID, appointment_id: int = ID) -> Status[None]:
    agent, ticket = _ticket(request, ticket_id)
    services.cancel_for_caller(ticket, agent=agent, appointment_id=appointment_id, request=request)
    return Status(204, None)


@router.post("/tickets/{ticket_id}/close", response={200: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def close(request: HttpRequest, payload: CloseIn, ticket_id: int = ID) -> TicketOut:
    """Log the call with its category and outcome."""
    agent, ticket = _ticket(request, ticket_id)
    services.close_ticket(
        ticket,
        agent=agent,
        category=payload.category,
        outcome=payload.outcome,
        summary=payload.summary,
        request=request,
    )
    return ticket_out(ticket)


@router.post("/tickets/{ticket_id}/escalate", response={200: TicketOut, **AGENT_ERRORS}, auth=api_auth)
def escalate(request: HttpRequest, payload: EscalateIn, ticket_id: int = ID) -> TicketOut:
    agent, ticket = _ticket(request, ticket_id)
    services.escalate_ticket(
        ticket,
        agent=agent,
        service_point_id=payload.service_point_id,
        category=payload.category,
        note=payload.note,
        request=request,
    )
    return ticket_out(ticket)


def escalation_out(ticket: Ticket) -> EscalationOut:
    return EscalationOut(
        id=ticket.pk,
        number=ticket.number,
        language=ticket.language,
        category=ticket.category,
        status=ticket.status,
        service_point_id=ticket.escalated_to_id or 0,
        note=ticket.escalation_note,
        resolution=ticket.resolution,
        created_at=clock.to_local(ticket.created_at),
    )


@router.get("/escalations", response={200: list[EscalationOut], 401: ErrorOut, 403: ErrorOut}, auth=api_auth)
def escalations(request: HttpRequest) -> list[EscalationOut]:
    """Open tickets escalated to the supervisor's service points."""
    user = require_role(request.auth, Role.SUPERVISOR)  # type: ignore[attr-defined]
    return [escalation_out(t) for t in services.escalations_for(user)]


@router.post("/escalations/{ticket_id}/resolve", response={200: EscalationOut, **AGENT_ERRORS}, auth=api_auth)
def resolve(request: HttpRequest, payload: ResolveIn, ticket_id: int = ID) -> EscalationOut:
    user = require_role(request.auth, Role.SUPERVISOR)  # type: ignore[attr-defined]
    return escalation_out(
        services.resolve_escalation(user, ticket_id, resolution=payload.resolution, request=request)
    )


# --- Home visits -------------------------------------------------------------------------------


def visit_out(visit: HomeVisitRequest) -> HomeVisitOut:
    return HomeVisitOut(
        id=visit.pk,
        number=visit.number,
        ground=visit.ground,
        status=visit.status,
        status_label=str(visit.get_status_display()),
        services=list(visit.services),
        service_point_id=visit.service_point_id,
        refusal_reason=visit.refusal_reason,
        team=visit.team.name if visit.team else None,
        visit_start=clock.to_local(visit.visit_start) if visit.visit_start else None,
        visit_end=clock.to_local(visit.visit_end) if visit.visit_end else None,
        travel_minutes=visit.travel_minutes,
        applications=sorted(visit.applications.values_list("application__number", flat=True)),
    )


VISIT_ERRORS: dict[int, Any] = {**AGENT_ERRORS, 413: ErrorOut}


@router.post("/home-visits", response={201: HomeVisitOut, **VISIT_ERRORS}, auth=api_auth)
def request_visit(
    request: HttpRequest,
    payload: Form[HomeVisitIn],
    proof: UploadedFile | None = File(None),  # noqa: B008
) -> Status[HomeVisitOut]:
    """Ask officers to come (multipart form). Age comes from the record; disability, serious
    illness and groups of more than 20 need a `proof` file (PDF, JPEG or PNG)."""
    user = require_role(request.auth, Role.APPLICANT, Role.ENTERPRISE)  # type: ignore[attr-defined]
    form = services.HomeVisitForm(
        ground=payload.ground,
        services=tuple(payload.services),
        address=payload.address,
        phone=payload.phone,
        service_point_id=payload.service_point_id,
        group_size=payload.group_size,
        organisation=payload.organisation,
        latitude=payload.latitude,
        longitude=payload.longitude,
    )
    visit = services.request_home_visit(
        user,
        form,
        proof=proof.file if proof is not None else None,
        proof_name=(proof.name or "") if proof else "",
        request=request,
    )
    return Status(201, visit_out(visit))


@router.get("/home-visits", response={200: list[HomeVisitOut], 401: ErrorOut}, auth=api_auth)
def my_visits(request: HttpRequest) -> list[HomeVisitOut]:
    return [visit_out(v) for v in services.visits_of(request.auth)]  # type: ignore[attr-defined]


@router.get(
    "/home-visits/queue", response={200: list[HomeVisitOut], 401: ErrorOut, 403: ErrorOut}, auth=api_auth
)
def visit_queue(request: HttpRequest, status: str | None = Query(None, max_length=12)) -> list[HomeVisitOut]:
    """Requests at the officer's service points."""
    user = require_role(request.auth, *OFFICERS)  # type: ignore[attr-defined]
    visits = services.officer_visits(user)
    if status:
        visits = visits.filter(status=status)
    return [visit_out(v) for v in visits[:200]]


def _officer_visit(request: HttpRequest, visit_id: int) -> tuple[Any, HomeVisitRequest]:
    user = require_role(request.auth, *OFFICERS)  # type: ignore[attr-defined]
    return user, services.visit_for_officer(user, visit_id)


@router.post("/home-visits/{visit_id}/decision", response={200: HomeVisitOut, **AGENT_ERRORS}, auth=api_auth)
def decide(request: HttpRequest, payload: DecisionIn, visit_id: int = ID) -> HomeVisitOut:
    officer, visit = _officer_visit(request, visit_id)
    return visit_out(
        services.decide_home_visit(
            visit, officer=officer, accept=payload.accept, reason=payload.reason, request=request
        )
    )


@router.post("/home-visits/{visit_id}/schedule", response={200: HomeVisitOut, **AGENT_ERRORS}, auth=api_auth)
def schedule(request: HttpRequest, payload: ScheduleIn, visit_id: int = ID) -> HomeVisitOut:
    """Give the visit to a mobile team on a day; placed after the team's last visit with travel
    time between them. 409 `team_day_full` when it would not fit the team's hours."""
    officer, visit = _officer_visit(request, visit_id)
    return visit_out(
        services.schedule_visit(
            visit,
            officer=officer,
            team_id=payload.team_id,
            day=payload.day,
            latitude=payload.latitude,
            longitude=payload.longitude,
            request=request,
        )
    )


@router.post(
    "/home-visits/{visit_id}/applications",
    response={201: FiledApplicationOut, **AGENT_ERRORS},
    auth=api_auth,
)
def file_application(
    request: HttpRequest,
    payload: FileApplicationIn,
    visit_id: int = ID,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[FiledApplicationOut]:
    """At the visit, file an application (channel home service) through the applications flow."""
    if idempotency_key is None:
        raise IdempotencyKeyRequired()
    officer, visit = _officer_visit(request, visit_id)
    application = services.file_visit_application(
        visit,
        officer=officer,
        services=payload.services,
        idempotency_key=idempotency_key,
        person_id_number=payload.person_id_number,
        request=request,
    )
    return Status(
        201,
        FiledApplicationOut(number=application.number, channel=application.channel, visit=visit_out(visit)),
    )
