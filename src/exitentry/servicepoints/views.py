"""Public pages: find a service point, see its hours."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from exitentry.core import clock
from exitentry.servicepoints import services
from exitentry.servicepoints.forms import SearchForm
from exitentry.servicepoints.models import Skill


def point_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    listings: list[services.PointListing] = []
    searched_near = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        searched_near = data.get("lat") is not None
        listings = services.list_service_points(
            lat=data.get("lat"),
            lon=data.get("lon"),
            service=data.get("service") or None,
            city_code=data.get("city") or None,
        )
    elif not form.is_bound:
        listings = services.list_service_points()
    return render(
        request,
        "servicepoints/list.html",
        {"form": form, "listings": listings, "searched_near": searched_near},
    )


def point_detail(request: HttpRequest, point_id: int) -> HttpResponse:
    try:
        point = services.get_service_point(point_id)
    except services.ServicePointNotFound as exc:
        raise Http404(str(exc)) from exc
    now = clock.now()
    today = services.day_hours(point, clock.to_local(now).date())
    skill_labels = dict(Skill.choices)
    return render(
        request,
        "servicepoints/detail.html",
        {
            "point": point,
            "today": today,
            "open_now": services.open_now(point, now),
            "week": services.weekly_hours(point),
            "closures": services.upcoming_closures(point),
            "skills": [skill_labels[s] for s in services.skills_offered(point)],
            "bookable": point.capacity_plans.exists(),
        },
    )
