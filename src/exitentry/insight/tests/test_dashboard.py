"""The dashboards read the rollups: API, pages, exports and the public figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.insight.tests import factories as rollup
from exitentry.servicepoints.models import ServicePoint
from exitentry.workdays.tests.factories import CalendarYearFactory

START, END = "2026-01-01", "2026-09-20"


@pytest.fixture
def halls() -> tuple[ServicePoint, ServicePoint]:
    jinan, qingdao = f.hall("jinan-lixia"), f.hall("qingdao-shinan", f.QINGDAO)
    # This year: March (a whole month, read from the monthly rollups) and September (days).
    rollup.issued(jinan, dt.date(2026, 3, 2), 100, zero_visit=40)
    rollup.issued(jinan, dt.date(2026, 3, 3), 20, document_type="endorsement", channel="kiosk")
    rollup.issued(qingdao, dt.date(2026, 9, 20), 30, channel="window")
    rollup.issued(qingdao, dt.date(2026, 9, 21), 999)  # after the period
    # A year before.
    rollup.issued(jinan, dt.date(2025, 3, 2), 80, zero_visit=20)
    rollup.issued(qingdao, dt.date(2025, 9, 20), 20, channel="window")
    rollup.sla(jinan, dt.date(2026, 3, 10), due=50, breached=2)
    rollup.hall_hour(
        jinan,
        dt.date(2026, 3, 2),
        9,
        tickets=10,
        served=10,
        wait_seconds=6000,
        appointments=8,
        appointment_no_shows=2,
    )
    rollup.hall_hour(qingdao, dt.date(2026, 9, 14), 9, tickets=5, served=5, wait_seconds=600, appointments=4)
    rollup.paid(jinan, dt.date(2026, 3, 2), "wechat_pay", 70, "8400.00")
    rollup.paid(qingdao, dt.date(2026, 9, 20), "alipay", 30, "1800.00")
    rollup.months(dt.date(2025, 1, 1), dt.date(2026, 9, 30))
    return jinan, qingdao


def test_a_manager_sees_this_year_against_last_year(api: Any, halls: Any) -> None:
    api.headers.update(f.bearer(rollup.manager()))

    response = api.get("/insight/dashboard", {"start": START, "end": END, "granularity": "month"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totals"] == {
        "accepted": 150,
        "last_year": 100,
        "change_percent": 50.0,
        "approved": 150,
        "rejected": 0,
        "zero_visit": 40,
        "zero_visit_percent": 26.7,
        "zero_visit_percent_last_year": 20.0,
    }
    march = next(period for period in body["trend"] if period["period"] == "2026-03")
    assert march == {
        "period": "2026-03",
        "total": 120,
        "last_year": 80,
        "change_percent": 50.0,
        "by_type": {"passport": 100, "endorsement": 20},
    }
    assert [p["period"] for p in body["trend"]][:2] == ["2026-01", "2026-02"]
    assert [(c["city_code"], c["total"], c["last_year"]) for c in body["cities"]] == [
        ("370100", 120, 80),
        ("370200", 30, 20),
    ]
    assert [(c["key"], c["count"], c["percent"]) for c in body["channels"]] == [
        ("online", 100, 66.7),
        ("window", 30, 20.0),
        ("kiosk", 20, 13.3),
    ]
    assert [(p["key"], p["count"], p["percent"]) for p in body["payments"]] == [
        ("wechat_pay", 70, 70.0),
        ("alipay", 30, 30.0),
    ]
    assert (body["sla"]["due"], body["sla"]["breached"], body["sla"]["compliance_percent"]) == (50, 2, 96.0)
    assert body["halls"]["mean_wait_minutes"] == 7.3  # (6000 + 600) s / 15 people
    assert body["halls"]["no_show_percent"] == 16.7
    assert body["scoped_to_service_points"] is None


def test_a_supervisor_sees_only_their_hall(api: Any, halls: Any) -> None:
    jinan, _qingdao = halls
    api.headers.update(f.bearer(rollup.supervisor(jinan)))

    body = api.get("/insight/dashboard", {"start": START, "end": END}).json()

    assert body["totals"]["accepted"] == 120
    assert body["scoped_to_service_points"] == [jinan.pk]
    assert [c["city_code"] for c in body["cities"]] == ["370100"]


def test_an_area_filter_keeps_one_city(api: Any, halls: Any) -> None:
    api.headers.update(f.bearer(rollup.manager()))

    body = api.get("/insight/dashboard", {"start": START, "end": END, "city": f.QINGDAO}).json()

    assert (body["totals"]["accepted"], body["totals"]["last_year"]) == (30, 20)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-09-20", "end": "2026-01-01"}, "invalid_period"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "period_too_long"),
        ({"city": "999999"}, "unknown_area"),
        ({"granularity": "year"}, "invalid_granularity"),
        ({"start": "yesterday"}, "validation_error"),
    ],
)
def test_bad_filters_are_refused(api: Any, params: dict[str, str], code: str) -> None:
    api.headers.update(f.bearer(rollup.manager()))

    response = api.get("/insight/dashboard", params)

    assert response.status_code == 422
    assert response.json()["code"] == code


def test_the_dashboard_api_is_for_managers_only(api: Any) -> None:
    assert api.get("/insight/dashboard").status_code == 401
    api.headers.update(f.bearer(f.applicant()))
    response = api.get("/insight/dashboard")
    assert response.status_code == 403
    assert response.json()["code"] == "insight_forbidden"


def test_the_dashboard_page_shows_the_figures(client: Any, halls: Any) -> None:
    client.force_login(rollup.manager())

    response = client.get("/insight/", {"start": START, "end": END, "granularity": "month"})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd id="total-accepted">150</dd>' in page
    assert '<dd id="total-change">+50.0%</dd>' in page
    assert "echarts.min.js" in page


@time_machine.travel(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC), tick=False)
def test_in_december_a_missing_calendar_for_next_year_is_shown_with_what_waits_on_it(client: Any) -> None:
    jinan, qingdao = f.hall("jinan-lixia"), f.hall("qingdao-shinan", f.QINGDAO)
    accepted = dt.date(2026, 12, 7)
    for hall in (jinan, jinan, qingdao):
        f.make_item(f.person(), hall, accepted_on=accepted, promised_date=None)
    f.make_item(f.person(), jinan, accepted_on=accepted, promised_date=dt.date(2026, 12, 16))
    f.make_item(f.person(), jinan, status="delivered", accepted_on=accepted, promised_date=None)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}

    client.force_login(rollup.manager())
    page = " ".join(client.get("/insight/", **english).content.decode().split())
    assert "The official holiday calendar for 2027 is not known yet" in page
    assert "3 accepted items have no promised date yet, so the deadline watch cannot follow them." in page
    assert "/admin/workdays/calendaryear/add/" not in page  # only those who may declare it get the link

    client.force_login(rollup.supervisor(jinan))
    page = " ".join(client.get("/insight/", **english).content.decode().split())
    assert "2 accepted items have no promised date yet" in page

    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    assert "/admin/workdays/calendaryear/add/" in client.get("/insight/", **english).content.decode()

    CalendarYearFactory(year=2027)
    assert "holiday calendar" not in client.get("/insight/", **english).content.decode()


def test_the_dashboard_page_refuses_applicants(client: Any) -> None:
    client.force_login(f.applicant())
    assert client.get("/insight/").status_code == 403


def test_the_csv_export_streams_the_rows_and_is_audited(client: Any, halls: Any) -> None:
    user = rollup.manager()
    client.force_login(user)

    response = client.get(
        "/insight/export/", {"start": START, "end": END, "format": "csv", "dataset": "issuance"}
    )

    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4  # header and three days
    assert rows[1][0] == "2026-03-02"
    assert rows[1][2:] == ["jinan-lixia", "普通护照", "网上办理", "100", "100", "0", "40"]
    assert rows[3][0] == "2026-09-20"
    event = AuditEvent.objects.get(action="insight.exported")
    assert event.actor_id == user.pk


def test_the_xlsx_export_has_one_sheet_per_dataset(client: Any, halls: Any) -> None:
    client.force_login(rollup.manager())

    response = client.get("/insight/export/", {"start": START, "end": END, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheets = [workbook[name] for name in workbook.sheetnames]
    assert [len(list(sheet.iter_rows(values_only=True))) for sheet in sheets] == [4, 2, 3, 3]
    first = next(sheets[0].iter_rows(min_row=2, max_row=2, values_only=True))
    assert first[2:] == ("jinan-lixia", "普通护照", "网上办理", 100, 100, 0, 40)


def test_a_reversed_export_period_is_explained(client: Any) -> None:
    client.force_login(rollup.manager())

    response = client.get("/insight/export/", {"start": END, "end": START, "format": "csv"})

    assert response.status_code == 422
    assert "error-summary" in response.content.decode()


def test_the_public_figures_need_no_sign_in(client: Any, api: Any, halls: Any) -> None:
    response = client.get("/figures/")

    assert response.status_code == 200
    months = api.get("/insight/figures").json()
    assert len(months) == 12
    assert months[0]["month"] == "2025-09"
    march = next(month for month in months if month["month"] == "2026-03")
    assert march == {"month": "2026-03", "accepted": 120, "mean_wait_minutes": 10.0}


def test_the_capacity_view_runs_the_simulator_on_a_week_of_bookings(client: Any) -> None:
    from exitentry.queueing.tests.factories import at, make_hall
    from exitentry.servicepoints.tests.factories import SlotFactory

    hall = make_hall(
        code="jinan-capacity", city=f.city(f.JINAN), counters={"1": ["citizens_documents"], "2": []}
    )
    for day in range(21, 26):
        SlotFactory(service_point=hall, start=at(10, day=dt.date(2026, 9, day)), capacity=10, booked=6)
    rollup.hall_hour(hall, dt.date(2026, 9, 14), 10, tickets=12, served=12, wait_seconds=3600, appointments=2)
    rollup.hall_hour(hall, dt.date(2026, 9, 15), 11, tickets=8, served=8, wait_seconds=600)
    client.force_login(rollup.manager())

    response = client.post("/insight/capacity/", {"week": "2026-09-23", "city": "", "seed": "1"})

    assert response.status_code == 200, response.content.decode()[-2000:]
    page = response.content.decode()
    assert "2026-09-21" in page
    comparison = response.context["comparison"]
    scenario = response.context["scenario"]
    assert scenario.data["halls"][0]["booked_per_hour"] == [0, 6, 0, 0, 0, 0, 0, 0]
    assert scenario.data["halls"][0]["counters"] == 2
    assert scenario.data["arrivals_per_hour"][1:3] == [0.5, 0.4]  # (12 - 2) / 20 working days, 8 / 20
    assert comparison.results["nearest"].served >= 6


def test_the_capacity_view_is_for_managers(client: Any) -> None:
    client.force_login(f.staff(Role.OFFICER))
    assert client.get("/insight/capacity/").status_code == 403
