"""Pages: the managers' dashboard, its exports, the capacity view, and the public figures."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from exitentry.core.errors import DomainError
from exitentry.insight import capacity, exports, services
from exitentry.insight.forms import CapacityForm, DashboardForm, ExportForm, default_week
from exitentry.routing.simulation import POLICIES
from exitentry.routing.views import POLICY_LABELS

WEEKDAY_KEYS = range(7)


def _dashboard_roles(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_role(*services.DASHBOARD_ROLES):  # type: ignore[union-attr]
            return render(request, "insight/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _with_defaults(query: QueryDict) -> QueryDict:
    data = query.copy()
    start, end = services.default_period()
    data.setdefault("start", start.isoformat())
    data.setdefault("end", end.isoformat())
    data.setdefault("granularity", "month" if (end - start).days > 92 else "day")
    return data


@require_GET
@_dashboard_roles
def dashboard(request: HttpRequest) -> HttpResponse:
    areas = services.areas_for(request.user)
    form = DashboardForm(_with_defaults(request.GET), areas=areas)
    figures: services.Dashboard | None = None
    error: DomainError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            filters = services.make_filters(
                request.user,
                start=data["start"],
                end=data["end"],
                city_code=data["city"],
                granularity=data["granularity"],
            )
            figures = services.dashboard(filters)
        except DomainError as exc:
            error = exc
    context: dict[str, Any] = {"form": form, "figures": figures, "error": error}
    if figures is not None:
        context.update(_chart_context(figures))
        context["export_query"] = request.GET.urlencode() or _with_defaults(request.GET).urlencode()
    status = 200 if figures is not None else 422
    if request.headers.get("HX-Request"):
        return render(request, "insight/_results.html", context, status=status)
    # Only the whole page shows it: a filter change swaps the figures in and leaves it be.
    context["calendar_gap"] = services.calendar_gap(request.user)
    return render(request, "insight/dashboard.html", context, status=status)


def _chart_context(figures: services.Dashboard) -> dict[str, Any]:
    types = sorted({code for period in figures.trend for code in period.by_type})
    labels = figures.document_types
    weekdays = [str(label) for _value, label in _weekday_choices()]
    return {
        "type_columns": [(code, labels.get(code, code)) for code in types],
        "trend_rows": [(period, [period.by_type.get(code, 0) for code in types]) for period in figures.trend],
        "chart": {
            "periods": [period.label for period in figures.trend],
            "types": [{"code": code, "name": labels.get(code, code)} for code in types],
            "by_type": {code: [period.by_type.get(code, 0) for period in figures.trend] for code in types},
            "total": [period.total for period in figures.trend],
            "last_year": [period.last_year for period in figures.trend],
            "hours": [f"{hour:02d}:00" for hour in figures.halls.hours],
            "weekdays": weekdays,
            "waits": figures.halls.waits,
            "channels": [{"name": share.label, "value": share.count} for share in figures.channels],
            "payments": [{"name": share.label, "value": share.count} for share in figures.payments],
        },
        "wait_rows": [
            (weekdays[day], figures.halls.waits[day], figures.halls.no_shows[day]) for day in WEEKDAY_KEYS
        ],
    }


def _weekday_choices() -> list[tuple[int, Any]]:
    from exitentry.servicepoints.models import Weekday

    return list(Weekday.choices)


@require_GET
@_dashboard_roles
def export(request: HttpRequest) -> HttpResponseBase:
    form = ExportForm(_with_defaults(request.GET), areas=services.areas_for(request.user))
    if not form.is_valid():
        return render(request, "insight/export_error.html", {"form": form, "error": None}, status=422)
    data = form.cleaned_data
    try:
        filters = services.make_filters(
            request.user, start=data["start"], end=data["end"], city_code=data["city"]
        )
    except DomainError as exc:
        return render(request, "insight/export_error.html", {"form": form, "error": exc}, status=exc.status)
    if data["format"] == "csv":
        dataset = data["dataset"] or "issuance"
        services.record_export(request.user, filters, "csv", [dataset], request)
        return exports.csv_response(filters, dataset)
    services.record_export(request.user, filters, "xlsx", list(services.DATASETS), request)
    return exports.xlsx_response(filters)


@require_http_methods(["GET", "POST"])
@_dashboard_roles
def capacity_view(request: HttpRequest) -> HttpResponse:
    areas = services.areas_for(request.user)
    form = CapacityForm(
        request.POST or None, areas=areas, initial={"week": default_week().isoformat(), "seed": 1}
    )
    context: dict[str, Any] = {"form": form, "comparison": None, "error": None}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                scope = services.make_filters(
                    request.user, start=data["week"], end=data["week"], city_code=data["city"]
                ).point_ids
                scenario, comparison = capacity.run_week(scope, data["city"], data["week"], data["seed"])
            except DomainError as exc:
                context["error"] = exc
            else:
                status = 200
                results = comparison.results
                context.update(
                    {
                        "comparison": comparison,
                        "scenario": scenario,
                        "policy_labels": [(policy, POLICY_LABELS[policy]) for policy in POLICIES],
                        "figures": [
                            (label, [getter(results[policy]) for policy in POLICIES])
                            for label, getter in _capacity_rows()
                        ],
                        "halls": [
                            (hall.name, *(results[policy].halls[index] for policy in POLICIES))
                            for index, hall in enumerate(comparison.scenario.halls)
                        ],
                    }
                )
    return render(request, "insight/capacity.html", context, status=status)


def _capacity_rows() -> list[tuple[str, Any]]:
    from django.utils.translation import gettext as _

    return [
        (_("People served"), lambda r: str(r.served)),
        (_("Mean wait (minutes)"), lambda r: f"{r.mean_wait_minutes:.1f}"),
        (_("90% waited at most (minutes)"), lambda r: f"{r.p90_wait_minutes:.1f}"),
        (_("Mean travel of walk-ins (minutes)"), lambda r: f"{r.mean_travel_minutes:.1f}"),
        (_("Longest queue (people)"), lambda r: str(r.max_queue)),
    ]


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """Open statistics for everyone: the last twelve months of the province."""
    months = services.public_figures(12)
    chart = {
        "months": [f"{month.month:%Y-%m}" for month in months],
        "accepted": [month.accepted for month in months],
        "waits": [month.mean_wait_minutes for month in months],
    }
    return render(request, "insight/figures.html", {"months": months, "chart": chart})
