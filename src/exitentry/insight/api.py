"""Insight API, mounted at /api/v1/insight: the dashboard figures (managers, supervisors, admins)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router

from exitentry.accounts.auth import api_auth
from exitentry.core.schemas import ErrorOut
from exitentry.insight import services
from exitentry.insight.schemas import (
    AreaOut,
    DashboardOut,
    HallOut,
    HallsOut,
    PeriodOut,
    PublicMonthOut,
    ShareOut,
    SlaOut,
    SlaTypeOut,
    TotalsOut,
)

router = Router(tags=["insight"])


def _shares(shares: list[services.Share]) -> list[ShareOut]:
    return [
        ShareOut(key=s.key, label=s.label, count=s.count, percent=s.percent, amount=s.amount) for s in shares
    ]


@router.get(
    "/dashboard",
    response={200: DashboardOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def dashboard(
    request: HttpRequest,
    start: dt.date | None = None,
    end: dt.date | None = None,
    city: str = Query("", max_length=6),
    granularity: str = Query("day", max_length=5),
) -> DashboardOut:
    """Every dashboard figure for the period (default: this year so far) and area (city code).

    Read from the daily rollups only. Year on year compares the same days a year before. A
    supervisor's figures cover their own halls.
    """
    default_start, default_end = services.default_period()
    filters = services.make_filters(
        request.user,
        start=start or default_start,
        end=end or default_end,
        city_code=city,
        granularity=granularity,
    )
    figures = services.dashboard(filters)
    t, sla, halls = figures.totals, figures.sla, figures.halls
    return DashboardOut(
        start=filters.start,
        end=filters.end,
        city=filters.city_code,
        granularity=filters.granularity,
        scoped_to_service_points=None if filters.point_ids is None else sorted(filters.point_ids),
        as_of=figures.as_of,
        totals=TotalsOut(
            accepted=t.accepted,
            last_year=t.last_year,
            change_percent=t.change_percent,
            approved=t.approved,
            rejected=t.rejected,
            zero_visit=t.zero_visit,
            zero_visit_percent=t.zero_visit_percent,
            zero_visit_percent_last_year=t.zero_visit_percent_last_year,
        ),
        trend=[
            PeriodOut(
                period=p.label,
                total=p.total,
                last_year=p.last_year,
                change_percent=p.change_percent,
                by_type=p.by_type,
            )
            for p in figures.trend
        ],
        cities=[
            AreaOut(
                city_code=a.code,
                name=a.name,
                total=a.total,
                last_year=a.last_year,
                change_percent=a.change_percent,
            )
            for a in figures.cities
        ],
        sla=SlaOut(
            until=sla.until,
            due=sla.due,
            warned=sla.warned,
            breached=sla.breached,
            compliance_percent=sla.compliance_percent,
            by_type=[
                SlaTypeOut(
                    document_type=code, name=name, due=due, breached=breached, compliance_percent=percent
                )
                for code, name, due, breached, percent in sla.by_type
            ],
        ),
        halls=HallsOut(
            hours=halls.hours,
            mean_wait_minutes_by_weekday_hour=halls.waits,
            no_show_percent_by_weekday_hour=halls.no_shows,
            mean_wait_minutes=halls.mean_wait_minutes,
            no_show_percent=halls.no_show_percent,
            halls=[HallOut(**hall) for hall in halls.halls],
        ),
        channels=_shares(figures.channels),
        payments=_shares(figures.payments),
    )


@router.get("/figures", response={200: list[PublicMonthOut]}, auth=None)
def public_figures(request: HttpRequest) -> list[PublicMonthOut]:
    """The open statistics of /figures/: the last twelve months (no sign-in needed)."""
    return [
        PublicMonthOut(month=f"{m.month:%Y-%m}", accepted=m.accepted, mean_wait_minutes=m.mean_wait_minutes)
        for m in services.public_figures(12)
    ]
