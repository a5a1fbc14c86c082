"""Help centre, hotline console, escalations and home-visit pages (thin: parse, authorise, call)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import require_role
from exitentry.consult import links, services
from exitentry.consult.models import (
    ArticleCategory,
    HomeVisitGround,
    HomeVisitStatus,
    LookupKind,
    MobileTeam,
    Ticket,
    TicketCategory,
    TicketOutcome,
)
from exitentry.core import clock
from exitentry.core.errors import DomainError, NotAuthenticated, PermissionDenied
from exitentry.servicepoints import services as points


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "consult/forbidden.html", {"message": message}, status=403)


def _role(request: HttpRequest, *roles: str) -> User | HttpResponse:
    try:
        return require_role(request.user, *roles)  # type: ignore[arg-type]
    except (NotAuthenticated, PermissionDenied) as exc:
        return _forbidden(request, str(exc.message))


def _int(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= services.MAX_ID else 0


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        return None


# --- Help centre -------------------------------------------------------------------------------


def _article_card(article: Any, language: str) -> dict[str, Any]:
    question, answer = services.article_text(article, language)
    return {
        "article": article,
        "question": question,
        "answer": answer,
        "checklist_url": links.checklist_url(article),
        "booking_url": links.booking_url(article),
    }


@require_http_methods(["GET"])
def help_centre(request: HttpRequest) -> HttpResponse:
    language = translation.get_language() or "zh-hans"
    query = request.GET.get("q", "")
    result = services.search_articles(query[:10_000], language=language) if query.strip() else None
    groups = []
    if result is None:
        by_category: dict[str, list[Any]] = {}
        for article in services.published_articles():
            by_category.setdefault(article.category, []).append(_article_card(article, language))
        groups = [
            (label, by_category[code]) for code, label in ArticleCategory.choices if code in by_category
        ]
    return render(
        request,
        "consult/help.html",
        {
            "query": result.query if result else "",
            "result": result,
            "hits": [_article_card(hit.article, language) for hit in result.hits] if result else [],
            "groups": groups,
        },
    )


@require_http_methods(["GET"])
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = services.get_article(slug)
    except services.ArticleNotFound as exc:
        raise Http404(str(exc.message)) from exc
    return render(
        request, "consult/article.html", _article_card(article, translation.get_language() or "zh-hans")
    )


@login_required
def missing_translations(request: HttpRequest) -> HttpResponse:
    user = _role(request, Role.MANAGER, Role.SUPERVISOR)
    if isinstance(user, HttpResponse):
        return user
    return render(request, "consult/missing.html", {"rows": services.missing_translations()})


# --- Hotline console ---------------------------------------------------------------------------


@login_required
def hotline(request: HttpRequest) -> HttpResponse:
    agent = _role(request, Role.HOTLINE_AGENT)
    if isinstance(agent, HttpResponse):
        return agent
    if request.method == "POST":
        try:
            ticket = services.open_ticket(agent, request.POST.get("language", ""), request=request)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("consult:hotline")
        return redirect("consult:ticket", ticket_id=ticket.pk)
    recent = Ticket.objects.filter(agent=agent).select_related("escalated_to")[:20]
    return render(request, "consult/hotline.html", {"tickets": recent})


def _booking_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    bookable = points.bookable_services()
    service_code = request.GET.get("service", "")
    chosen = next((s for s in bookable if s.code == service_code), None)
    halls = points.bookable_points(chosen.skill) if chosen else []
    point = next((p for p in halls if p.pk == _int(request.GET.get("point"))), None)
    day = _date(request.GET.get("date", ""))
    slots = []
    if chosen and point and day:
        hours = points.day_hours(point, day)
        now = clock.now()
        slots = [
            s
            for s in points.slots_on(point, day, chosen.skill)
            if s.available > 0 and points.bookable_now(s, now=now, hours=hours)
        ]
    return {
        "bookable": bookable,
        "chosen_service": chosen,
        "halls": halls,
        "chosen_point": point,
        "chosen_day": day,
        "slots": [(s, clock.to_local(s.start), clock.to_local(s.end)) for s in slots],
        "today": clock.today(),
    }


@login_required
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    agent = _role(request, Role.HOTLINE_AGENT)
    if isinstance(agent, HttpResponse):
        return agent
    try:
        ticket = services.agent_ticket(agent, ticket_id)
    except services.TicketNotFound as exc:
        raise Http404(str(exc.message)) from exc
    caller = None
    if ticket.person_id is not None:
        unmasked = request.GET.get("unmasked") == "1"
        try:
            caller = services.view_caller(ticket, agent=agent, unmasked=unmasked, request=request)
        except services.CallerNotVerified as exc:
            messages.error(request, str(exc.message))
            caller = services.view_caller(ticket, agent=agent, request=request)
    query = request.GET.get("q", "")
    result = services.search_articles(query[:10_000], language=ticket.language) if query.strip() else None
    shared = [_article_card(a, ticket.language) for a in ticket.articles.all()]
    return render(
        request,
        "consult/ticket.html",
        {
            "ticket": ticket,
            "is_open": ticket.status == "open",
            "caller": caller,
            "lookup_kinds": LookupKind.choices,
            "query": result.query if result else "",
            "result": result,
            "hits": [_article_card(hit.article, ticket.language) for hit in result.hits] if result else [],
            "shared": shared,
            "categories": TicketCategory.choices,
            "outcomes": [c for c in TicketOutcome.choices if c[0] != TicketOutcome.ESCALATED],
            "escalation_points": services.home_visit_points(),
            "booking_key": uuid.uuid4().hex,
            **_booking_context(request, ticket),
        },
    )


def _act(ticket: Ticket, agent: User, action: str, post: Any, request: HttpRequest) -> str:
    """Run one console action; returns the confirmation to show."""
    if action == "consent":
        services.record_consent(ticket, agent=agent, request=request)
        return _("Consent recorded.")
    if action == "lookup":
        services.look_up_caller(
            ticket, agent=agent, kind=post.get("kind", ""), value=post.get("value", ""), request=request
        )
        return _("Caller found.")
    if action == "verify":
        birth = _date(post.get("birth_date", ""))
        if birth is None:
            raise services.VerificationFailed()
        services.verify_caller(
            ticket, agent=agent, id_last6=post.get("id_last6", ""), birth_date=birth, request=request
        )
        return _("Caller verified.")
    if action == "share":
        article = services.get_article(_int(post.get("article_id")))
        services.share_article(ticket, agent=agent, article=article, request=request)
        return _("Answer recorded on the ticket.")
    if action == "book":
        appointment = services.book_for_caller(
            ticket,
            agent=agent,
            slot_id=_int(post.get("slot")),
            service=post.get("service", ""),
            key=post.get("key", "")[:60] or uuid.uuid4().hex,
            request=request,
        )
        return _("Appointment %(code)s booked for the caller.") % {"code": appointment.code}
    if action == "cancel":
        appointment = services.cancel_for_caller(
            ticket, agent=agent, appointment_id=_int(post.get("appointment")), request=request
        )
        return _("Appointment %(code)s cancelled.") % {"code": appointment.code}
    if action == "close":
        services.close_ticket(
            ticket,
            agent=agent,
            category=post.get("category", ""),
            outcome=post.get("outcome", ""),
            summary=post.get("summary", ""),
            request=request,
        )
        return _("Call logged and ticket closed.")
    if action == "escalate":
        services.escalate_ticket(
            ticket,
            agent=agent,
            service_point_id=_int(post.get("service_point")),
            category=post.get("category", ""),
            note=post.get("note", ""),
            request=request,
        )
        return _("Ticket escalated to the service point.")
    raise Http404()


@login_required
@require_POST
def ticket_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    agent = _role(request, Role.HOTLINE_AGENT)
    if isinstance(agent, HttpResponse):
        return agent
    try:
        ticket = services.agent_ticket(agent, ticket_id)
    except services.TicketNotFound as exc:
        raise Http404(str(exc.message)) from exc
    try:
        messages.success(request, _act(ticket, agent, action, request.POST, request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(reverse("consult:ticket", args=[ticket.pk]) + f"#{action}")


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    user = _role(request, Role.SUPERVISOR)
    if isinstance(user, HttpResponse):
        return user
    if request.method == "POST":
        try:
            services.resolve_escalation(
                user,
                _int(request.POST.get("ticket")),
                resolution=request.POST.get("resolution", ""),
                request=request,
            )
            messages.success(request, _("Ticket closed."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("consult:escalations")
    return render(request, "consult/escalations.html", {"tickets": services.escalations_for(user)})


# --- Home visits -------------------------------------------------------------------------------


@login_required
def home_visits(request: HttpRequest) -> HttpResponse:
    """An applicant asks for a home visit and sees their requests."""
    user = _role(request, Role.APPLICANT, Role.ENTERPRISE)
    if isinstance(user, HttpResponse):
        return user
    error = None
    if request.method == "POST":
        post = request.POST
        form = services.HomeVisitForm(
            ground=post.get("ground", ""),
            services=tuple(post.getlist("services")),
            address=post.get("address", ""),
            phone=post.get("phone", ""),
            service_point_id=_int(post.get("service_point")),
            group_size=_int(post.get("group_size")) or None,
            organisation=post.get("organisation", ""),
            latitude=_decimal(post.get("latitude")),
            longitude=_decimal(post.get("longitude")),
        )
        proof = request.FILES.get("proof")
        try:
            visit = services.request_home_visit(
                user,
                form,
                proof=proof.file if proof else None,
                proof_name=proof.name or "" if proof else "",
                request=request,
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(
                request,
                _("Request %(number)s sent. We will tell you our decision.") % {"number": visit.number},
            )
            return redirect("consult:home_visits")
    return render(
        request,
        "consult/home_visits.html",
        {
            "error": error,
            "posted": request.POST,
            "grounds": HomeVisitGround.choices,
            "services": services.home_services(),
            "points": services.home_visit_points(),
            "visits": services.visits_of(user),
        },
    )


def _officer_action(visit: Any, officer: User, action: str, post: Any, request: HttpRequest) -> str:
    if action == "accept":
        services.decide_home_visit(visit, officer=officer, accept=True, request=request)
        return _("Request accepted.")
    if action == "refuse":
        services.decide_home_visit(
            visit, officer=officer, accept=False, reason=post.get("reason", ""), request=request
        )
        return _("Request refused.")
    if action == "schedule":
        day = _date(post.get("day", ""))
        if day is None:
            raise services.VisitDayInPast()
        services.schedule_visit(
            visit,
            officer=officer,
            team_id=_int(post.get("team")),
            day=day,
            latitude=_decimal(post.get("latitude")),
            longitude=_decimal(post.get("longitude")),
            request=request,
        )
        return _("Visit scheduled.")
    if action == "file":
        application = services.file_visit_application(
            visit,
            officer=officer,
            services=post.getlist("services"),
            idempotency_key=post.get("key", "")[:60],
            person_id_number=post.get("person_id_number", ""),
            request=request,
        )
        return _("Application %(number)s filed.") % {"number": application.number}
    raise Http404()


@login_required
def manage_home_visits(request: HttpRequest) -> HttpResponse:
    officer = _role(request, Role.OFFICER, Role.SUPERVISOR)
    if isinstance(officer, HttpResponse):
        return officer
    if request.method == "POST":
        try:
            visit = services.visit_for_officer(officer, _int(request.POST.get("visit")))
            messages.success(
                request,
                _officer_action(visit, officer, request.POST.get("action", ""), request.POST, request),
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("consult:manage_home_visits")
    visits = list(services.officer_visits(officer).exclude(status__in=[HomeVisitStatus.CANCELLED])[:100])
    teams = MobileTeam.objects.filter(is_active=True, service_point__in={v.service_point_id for v in visits})
    return render(
        request,
        "consult/manage_home_visits.html",
        {
            "rows": [(v, [t for t in teams if t.service_point_id == v.service_point_id]) for v in visits],
            "tomorrow": clock.today() + dt.timedelta(days=1),
            "key": uuid.uuid4().hex,
        },
    )
