"""Pages: the best hall for me now (public), and the capacity simulator (managers)."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from exitentry.accounts.models import Role
from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.routing import services
from exitentry.routing.forms import UPLOAD, RecommendForm, SimulatorForm
from exitentry.routing.simulation import POLICIES

SIMULATOR_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.ADMIN)
POLICY_LABELS = {
    "nearest": gettext_lazy("Nearest hall"),
    "recommended": gettext_lazy("Recommended hall (travel + predicted wait)"),
}


def recommend(request: HttpRequest) -> HttpResponse:
    """GET form; with answers, the halls best first, each with a link to book there."""
    form = RecommendForm(request.GET if "service" in request.GET else None)
    results: list[dict[str, Any]] | None = None
    openings: list[dict[str, Any]] = []
    error: DomainError | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        leaving = (
            clock.now() + dt.timedelta(minutes=data["leaving_minutes"]) if data["leaving_minutes"] else None
        )
        try:
            ranked = services.recommend(
                lat=data["lat"],
                lon=data["lon"],
                service=data["service"],
                at=leaving,
                client_key=services.client_key_for(request),
                request=request,
            )
        except DomainError as exc:
            error = exc
        else:
            today = clock.today()
            results = [
                {
                    "item": item,
                    "summary": journey_and_wait(item.travel_minutes, item.predicted_wait_minutes),
                    "total": None if item.score is None else duration(max(1, round(item.score))),
                    "arrival": arrival_text(clock.to_local(item.arrival), today),
                    "opens": None if item.opens_at is None else opens_after_arrival(item.opens_at, today),
                    "book_url": _book_url(data["service"], item.point.pk),
                }
                for item in ranked
            ]
            if not ranked:
                # Nothing serves them today (evening, a holiday): say when the nearest halls open.
                openings = [
                    {
                        "item": item,
                        "summary": next_opening(item.opens_at, item.travel_minutes, today),
                        "book_url": _book_url(data["service"], item.point.pk),
                    }
                    for item in services.next_openings(
                        lat=data["lat"],
                        lon=data["lon"],
                        service=data["service"],
                        at=leaving,
                    )
                ]
    return render(
        request,
        "routing/recommend.html",
        {"form": form, "results": results, "openings": openings, "error": error},
        status=error.status if error is not None else 200,
    )


def _book_url(service: str, point_id: int) -> str:
    return f"{reverse('appointments:day')}?" + urlencode({"service": service, "point": point_id})


def duration(minutes: int) -> str:
    """`minutes` as people say it, in the active language: 45 min, 2 h 5 min, 3 h."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("%(minutes)d min", "%(minutes)d min", rest) % {"minutes": rest}
    if not rest:
        return ngettext("%(hours)d h", "%(hours)d h", hours) % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def journey_and_wait(travel_minutes: float, wait_minutes: float | None) -> str:
    """The journey and the expected wait ("2 h 15 min away, about 5 min wait") as one sentence, so
    that each language punctuates it its own way."""
    journey = _("%(duration)s away") % {"duration": duration(max(1, round(travel_minutes)))}
    if wait_minutes is None:
        wait = _("wait not known")
    elif round(wait_minutes) < 1:
        wait = _("no wait expected")
    else:
        wait = _("about %(duration)s wait") % {"duration": duration(round(wait_minutes))}
    return _("%(journey)s, %(wait)s") % {"journey": journey, "wait": wait}


def _day_and_time(local: dt.datetime) -> dict[str, str]:
    return {"day": date_format(local, "MONTH_DAY_FORMAT"), "time": date_format(local, "H:i")}


def arrival_text(moment: dt.datetime, today: dt.date) -> str:
    """A local time of arrival: the time alone today, with the day when it falls on another."""
    values = _day_and_time(moment)
    if moment.date() == today:
        return values["time"]
    return _("%(day)s at %(time)s") % values


def opens_after_arrival(moment: dt.datetime, today: dt.date) -> str:
    local = clock.to_local(moment)
    values = _day_and_time(local)
    if local.date() == today:
        return _("Opens at %(time)s, after you arrive: the wait includes the time until then.") % values
    return (
        _("Opens on %(day)s at %(time)s, after you arrive: the wait includes the time until then.") % values
    )


def next_opening(moment: dt.datetime, travel_minutes: float, today: dt.date) -> str:
    """When a hall next serves people, and how far it is: "Opens on December 8 at 09:00 · 3 min away"."""
    local = clock.to_local(moment)
    values = {**_day_and_time(local), "duration": duration(max(1, round(travel_minutes)))}
    if local.date() == today:
        return _("Opens at %(time)s · %(duration)s away") % values
    return _("Opens on %(day)s at %(time)s · %(duration)s away") % values


def _simulator_roles(view: Any) -> Any:
    """Signed-in managers, supervisors and administrators; others get a 403 page."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_role(*SIMULATOR_ROLES):  # type: ignore[union-attr]
            return render(request, "routing/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@_simulator_roles
def simulator(request: HttpRequest) -> HttpResponse:
    """Choose a scenario and a seed; see both policies' figures side by side and per hour."""
    form = SimulatorForm(request.POST or None, request.FILES or None)
    comparison: services.PolicyComparison | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.scenario_data is not None:
            try:
                comparison = services.compare_policies(form.scenario_data, form.cleaned_data["seed"])
            except DomainError as exc:
                field = "upload" if form.cleaned_data["scenario"] == UPLOAD else "scenario"
                form.add_error(field, str(exc.message))
        if comparison is None:
            status = 422
    context: dict[str, Any] = {
        "form": form,
        "comparison": comparison,
        "policy_labels": [(policy, POLICY_LABELS[policy]) for policy in POLICIES],
    }
    if comparison is not None:
        results = comparison.results
        context["figures"] = _figure_rows(comparison)
        context["chart"] = comparison.chart_data()
        context["series_labels"] = {policy: str(label) for policy, label in POLICY_LABELS.items()}
        series = context["chart"]["series"]
        context["hour_rows"] = [
            (label, *(series[policy][index] for policy in POLICIES))
            for index, label in enumerate(context["chart"]["hours"])
        ]
        context["halls"] = [
            (hall.name, *(results[policy].halls[index] for policy in POLICIES))
            for index, hall in enumerate(comparison.scenario.halls)
        ]
    return render(request, "routing/simulator.html", context, status=status)


def _figure_rows(comparison: services.PolicyComparison) -> list[tuple[str, list[str]]]:
    results = [comparison.results[policy] for policy in POLICIES]

    def minutes(value: float) -> str:
        return f"{value:.1f}"

    return [
        (_("People served"), [str(r.served) for r in results]),
        (_("Turned away (no hall open)"), [str(r.turned_away) for r in results]),
        (_("Mean wait (minutes)"), [minutes(r.mean_wait_minutes) for r in results]),
        (_("90% waited at most (minutes)"), [minutes(r.p90_wait_minutes) for r in results]),
        (_("Mean travel of walk-ins (minutes)"), [minutes(r.mean_travel_minutes) for r in results]),
        (_("Mean travel + wait of walk-ins (minutes)"), [minutes(r.mean_journey_minutes) for r in results]),
        (_("Longest queue (people)"), [str(r.max_queue) for r in results]),
    ]
