"""Pages: the ticket machine, the hall display, the officer's counter console, the manager's live view.

Everything works without JavaScript (forms post and redirect; the display and live view say how
to refresh); with htmx the display polls its two parts every few seconds and the live view every
ten.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import require_role
from exitentry.appointments.services import AppointmentNotFound, CheckInNotToday
from exitentry.core import clock
from exitentry.core.errors import DomainError, InvalidTransition, NotAuthenticated, PermissionDenied
from exitentry.core.masking import mask_phone
from exitentry.queueing import services
from exitentry.queueing.forms import AppointmentCodeForm, TransferForm, WalkInForm
from exitentry.queueing.models import Ticket, TicketStatus
from exitentry.servicepoints import services as points
from exitentry.servicepoints.models import Counter, ServicePoint

TICKET_SALT = "queueing.ticket"
TICKET_LINK_MAX_AGE = 24 * 3600
DISPLAY_POLL_SECONDS = 4
LIVE_POLL_SECONDS = 10
LIVE_ROLES = (Role.SUPERVISOR, Role.MANAGER)


def _point(point_id: int) -> ServicePoint:
    try:
        return points.get_service_point(point_id)
    except points.ServicePointNotFound as exc:
        raise Http404(str(exc)) from exc


def _staff_or_403(request: HttpRequest, *roles: str) -> User:
    try:
        return require_role(request.user, *roles)  # type: ignore[arg-type]
    except (NotAuthenticated, PermissionDenied) as exc:
        raise PermissionDeniedPage(str(exc.message)) from exc


class PermissionDeniedPage(Exception):
    """Rendered as a plain 403 page by the views below."""


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "queueing/forbidden.html", {"message": message}, status=403)


# ---------------------------------------------------------------------------------------------
# The ticket machine


def machine(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    return render(
        request,
        "queueing/machine_start.html",
        {"point": point, "open_now": points.open_now(point), "skills": points.skills_offered(point)},
    )


def _ticket_url(ticket: Ticket) -> str:
    token = signing.dumps(ticket.pk, salt=TICKET_SALT)
    return reverse("queueing:machine_ticket", args=[ticket.service_point_id, token])


def _form_error(form: Any, error: DomainError, field: str | None) -> None:
    form.add_error(field if field in form.fields else None, str(error.message))


@require_http_methods(["GET", "POST"])
def machine_appointment(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    form = AppointmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.check_in(
                form.cleaned_data["code"],
                point,
                phone=form.cleaned_data["phone"],
                language=translation.get_language() or "",
                request=request,
            )
        except services.InvalidPhone as error:
            _form_error(form, error, "phone")
        except AppointmentNotFound:
            form.add_error("code", _("We cannot find this appointment code. Check it and try again."))
        except (
            services.CheckInTooEarly,
            services.CheckInTooLate,
            services.AppointmentAtAnotherHall,
            services.AppointmentNotActive,
            CheckInNotToday,
        ) as error:
            _form_error(form, error, "code")
        except DomainError as error:
            _form_error(form, error, None)
        else:
            return redirect(_ticket_url(outcome.ticket))
    status = 422 if form.errors else 200
    return render(request, "queueing/machine_appointment.html", {"point": point, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def machine_walk_in(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    skills = points.skills_offered(point)
    form = WalkInForm(request.POST or None, skills=skills)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.issue_ticket(
                point,
                skill=form.cleaned_data["skill"],
                phone=form.cleaned_data["phone"],
                language=translation.get_language() or "",
                request=request,
            )
        except services.InvalidPhone as error:
            _form_error(form, error, "phone")
        except DomainError as error:
            _form_error(form, error, "skill")
        else:
            return redirect(_ticket_url(ticket))
    forecasts = services.forecast([point.pk]).get(point.pk, {})
    skill_rows = [
        {"value": skill, "label": services.skill_label(skill), "forecast": forecasts.get(skill)}
        for skill in skills
    ]
    status = 422 if form.errors else 200
    return render(
        request,
        "queueing/machine_walk_in.html",
        {"point": point, "form": form, "skill_rows": skill_rows, "open_now": points.open_now(point)},
        status=status,
    )


def machine_ticket(request: HttpRequest, point_id: int, token: str) -> HttpResponse:
    try:
        ticket_id = int(signing.loads(token, salt=TICKET_SALT, max_age=TICKET_LINK_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise Http404(_("There is no such ticket.")) from exc
    ticket = Ticket.objects.select_related("service_point", "counter").filter(pk=ticket_id).first()
    if ticket is None or ticket.service_point_id != point_id:
        raise Http404(_("There is no such ticket."))
    # A transferred ticket lives on in its newest leg.
    while ticket.status == TicketStatus.TRANSFERRED and hasattr(ticket, "transferred_to"):
        ticket = ticket.transferred_to
    outlook = services.ticket_outlook(ticket)
    return render(
        request,
        "queueing/machine_ticket.html",
        {
            "point": ticket.service_point,
            "ticket": ticket,
            "outlook": outlook,
            "issued": clock.to_local(ticket.issued_at),
            "masked_phone": mask_phone(ticket.phone),
        },
    )


# ---------------------------------------------------------------------------------------------
# The hall display


def display(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    return render(
        request,
        "queueing/display.html",
        {"point": point, "board": services.display_board(point), "poll_seconds": DISPLAY_POLL_SECONDS},
    )


def display_calls(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    return render(
        request, "queueing/_display_calls.html", {"point": point, "board": services.display_board(point)}
    )


def display_board(request: HttpRequest, point_id: int) -> HttpResponse:
    point = _point(point_id)
    board = services.display_board(point)
    return render(
        request,
        "queueing/_display_board.html",
        {"point": point, "board": board, "forecasts": board.forecasts},
    )


# ---------------------------------------------------------------------------------------------
# The manager's live view


def _live_point(request: HttpRequest, point_id: int) -> tuple[User, ServicePoint]:
    user = _staff_or_403(request, *LIVE_ROLES)
    point = _point(point_id)
    try:
        services.require_in_scope(user, point.pk)
    except PermissionDenied as exc:
        raise PermissionDeniedPage(str(exc.message)) from exc
    return user, point


@login_required
def live(request: HttpRequest, point_id: int) -> HttpResponse:
    try:
        _user, point = _live_point(request, point_id)
    except PermissionDeniedPage as exc:
        return _forbidden(request, str(exc))
    return render(
        request,
        "queueing/live.html",
        {
            "point": point,
            "live": services.hall_live(point),
            "poll_seconds": LIVE_POLL_SECONDS,
            "now": clock.local_now(),
        },
    )


@login_required
def live_panel(request: HttpRequest, point_id: int) -> HttpResponse:
    try:
        _user, point = _live_point(request, point_id)
    except PermissionDeniedPage as exc:
        return _forbidden(request, str(exc))
    return render(
        request,
        "queueing/_live_panel.html",
        {"point": point, "live": services.hall_live(point), "now": clock.local_now()},
    )


# ---------------------------------------------------------------------------------------------
# The officer's counter console


def _console_context(user: User, transfer_form: TransferForm | None = None) -> dict[str, Any]:
    session = services.session_of(user)
    if session is None:
        counters = services.counters_in_scope(user)
        sessions = {
            s.counter_id: s
            for s in services.CounterSession.objects.select_related("officer").filter(
                counter__in=counters, closed_at__isnull=True
            )
        }
        halls: dict[int, dict[str, Any]] = {}
        for counter in counters:
            hall = halls.setdefault(
                counter.service_point_id, {"point": counter.service_point, "counters": []}
            )
            hall["counters"].append(
                {
                    "counter": counter,
                    "session": sessions.get(counter.pk),
                    "skills": [services.skill_label(s) for s in counter.skills or []],
                }
            )
        return {"session": None, "halls": list(halls.values())}
    counter = session.counter
    ticket = services.current_ticket(counter)
    return {
        "session": session,
        "counter": counter,
        "point": counter.service_point,
        "ticket": ticket,
        "ticket_phone": mask_phone(ticket.phone) if ticket else "",
        "queue": services.counter_queue(counter),
        "transfer_form": transfer_form or (TransferForm(counter=counter) if ticket else None),
        "skill_labels": [services.skill_label(s) for s in counter.skills or []],
    }


@login_required
def console(request: HttpRequest) -> HttpResponse:
    try:
        user = _staff_or_403(request, Role.OFFICER, Role.SUPERVISOR)
    except PermissionDeniedPage as exc:
        return _forbidden(request, str(exc))
    return render(request, "queueing/console.html", _console_context(user))


@login_required
def console_queue(request: HttpRequest) -> HttpResponse:
    try:
        user = _staff_or_403(request, Role.OFFICER, Role.SUPERVISOR)
    except PermissionDeniedPage as exc:
        return _forbidden(request, str(exc))
    return render(request, "queueing/_console_queue.html", _console_context(user))


ACTIONS = {"open", "close", "call-next", "recall", "start", "finish", "no-show", "transfer"}


def _counter_in_scope(user: User, counter_id: int) -> Counter:
    try:
        counter = services.get_counter(counter_id)
        services.require_in_scope(user, counter.service_point_id)
    except (services.CounterNotFound, PermissionDenied) as exc:
        raise Http404(str(exc)) from exc
    return counter


def _current_ticket_or_error(counter: Counter, posted_id: str | None) -> Ticket:
    """The ticket the officer saw on the page; a stale page must not act on another ticket."""
    ticket = services.current_ticket(counter)
    if ticket is None or str(ticket.pk) != (posted_id or ""):
        raise InvalidTransition()
    return ticket


@login_required
@require_POST
def console_action(request: HttpRequest, counter_id: int, action: str) -> HttpResponse:
    try:
        user = _staff_or_403(request, Role.OFFICER, Role.SUPERVISOR)
    except PermissionDeniedPage as exc:
        return _forbidden(request, str(exc))
    if action not in ACTIONS:
        raise Http404(action)
    counter = _counter_in_scope(user, counter_id)
    try:
        if action == "open":
            services.open_counter(counter, user, request=request)
            messages.success(request, _("Counter %(number)s is open.") % {"number": counter.number})
        elif action == "close":
            services.close_counter(counter, user, request=request)
            messages.success(request, _("Counter %(number)s is closed.") % {"number": counter.number})
        elif action == "call-next":
            ticket = services.call_next(counter, user, request=request)
            messages.success(request, _("Calling %(number)s.") % {"number": ticket.number})
        else:
            ticket = _current_ticket_or_error(counter, request.POST.get("ticket"))
            if action == "recall":
                services.recall(ticket, user, request=request)
                messages.success(request, _("Calling %(number)s again.") % {"number": ticket.number})
            elif action == "start":
                services.start_serving(ticket, user, request=request)
                messages.success(request, _("Serving %(number)s.") % {"number": ticket.number})
            elif action == "finish":
                services.finish(ticket, user, request=request)
                messages.success(request, _("%(number)s is done.") % {"number": ticket.number})
            elif action == "no-show":
                services.mark_no_show(ticket, user, request=request)
                messages.success(request, _("%(number)s did not come.") % {"number": ticket.number})
            else:
                form = TransferForm(request.POST, counter=counter)
                if not form.is_valid():
                    context = _console_context(user, transfer_form=form)
                    return render(request, "queueing/console.html", context, status=422)
                skill, target_id = form.target_parts()
                target = _counter_in_scope(user, target_id) if target_id is not None else None
                services.transfer(ticket, user, skill=skill, counter=target, request=request)
                messages.success(request, _("%(number)s was transferred.") % {"number": ticket.number})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("queueing:counter")
