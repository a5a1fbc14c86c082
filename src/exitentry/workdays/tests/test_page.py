"""The public calendar page at /calendar/."""

import datetime as dt
import re

import pytest
import time_machine

from exitentry.workdays.tests.factories import CalendarYearFactory, DayOverrideFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
# 10:00 in Shanghai on Monday 23 November 2026.
MONDAY_MORNING = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def cell(html, day):
    """The <td> of a day of the month shown, without its surrounding markup."""
    match = re.search(
        r'<td class="(workdays-day[^"]*)"[^>]*>\s*<span class="workdays-number">'
        + str(day)
        + r"</span>(.*?)</td>",
        html,
        re.S,
    )
    assert match, f"no cell for day {day}"
    return match.group(1), re.sub(r"<[^>]+>", " ", match.group(2)).split()


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_page_shows_this_month_and_marks_today(client):
    response = client.get("/calendar/", headers=EN)

    assert response.status_code == 200
    assert response.templates[0].name == "workdays/calendar.html"
    html = response.content.decode()
    assert '<h2 id="month-title">November 2026</h2>' in html
    classes, words = cell(html, 23)
    assert "workdays-is-today" in classes
    assert "Today" in words
    assert 'aria-current="date"' in html


@time_machine.travel(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC), tick=False)
def test_today_is_the_shanghai_date_not_the_utc_date(client):
    # 16:30 UTC on 30 November is 00:30 on 1 December in Shanghai.
    html = client.get("/calendar/", headers=EN).content.decode()

    assert '<h2 id="month-title">December 2026</h2>' in html
    assert "workdays-is-today" in cell(html, 1)[0]


def test_october_2026_marks_national_day_weekends_and_the_makeup_saturday(client):
    html = client.get("/calendar/", {"year": 2026, "month": 10}, headers=EN).content.decode()

    assert cell(html, 1) == (
        "workdays-day workdays-holiday",
        ["Off", "Public", "holiday:", "National", "Day"],
    )
    assert cell(html, 10) == (
        "workdays-day workdays-makeup",
        ["Work", "Make-up", "working", "day", "for", "National", "Day"],
    )
    assert cell(html, 17) == ("workdays-day workdays-weekend", ["Weekend"])
    assert cell(html, 15) == ("workdays-day workdays-workday", [])
    assert "Oct. 1, 2026 to Oct. 7, 2026: National Day, no work" in html
    assert "Oct. 10, 2026 (Saturday): make-up working day for National Day" in html


def test_grid_is_a_table_with_caption_and_column_headers(client):
    html = client.get("/calendar/", {"year": 2026, "month": 10}, headers=EN).content.decode()

    assert "<caption>Working days in October 2026</caption>" in html
    assert html.count('<th scope="col">') == 7
    assert '<span class="workdays-vh">Monday</span>' in html


def test_holiday_names_on_the_page_follow_the_language(client):
    html = client.get("/calendar/", {"year": 2026, "month": 10}, headers={"Accept-Language": "zh-hans"})

    assert "国庆节" in html.content.decode()
    assert 'lang="zh-hans"' in html.content.decode()


def test_month_links_go_to_the_previous_and_next_month_keeping_the_count(client):
    html = client.get(
        "/calendar/", {"year": 2026, "month": 1, "start": "2026-01-05", "days": "3"}, headers=EN
    ).content.decode()

    assert 'href="?year=2025&amp;month=12&amp;start=2026-01-05&amp;days=3" rel="prev"' in html
    assert 'href="?year=2026&amp;month=2&amp;start=2026-01-05&amp;days=3" rel="next"' in html


def test_a_year_without_official_data_says_so_instead_of_guessing(client):
    response = client.get("/calendar/", {"year": 2027, "month": 2}, headers=EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert "No official holidays for this year yet" in html
    assert "The official holiday calendar for 2027 has not been published yet" in html
    assert "<table" not in html


def test_a_declared_year_shows_its_overrides_and_source(client):
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    CalendarYearFactory(year=2027, source="State Council notice of 2026")

    html = client.get("/calendar/", {"year": 2027, "month": 10}, headers=EN).content.decode()

    assert cell(html, 1)[0] == "workdays-day workdays-holiday"
    assert "Source: State Council notice of 2026" in html


def test_counting_working_days_shows_the_due_date_and_its_month(client):
    response = client.get("/calendar/", {"start": "2026-09-30", "days": "7", "action": "count"}, headers=EN)

    html = response.content.decode()
    assert "7 working days after Sept. 30, 2026 is:" in html
    assert (
        '<p class="workdays-due">Oct. 15, 2026 <span class="workdays-due-weekday">Thursday</span></p>' in html
    )
    assert '<h2 id="month-title">October 2026</h2>' in html
    assert "workdays-is-due" in cell(html, 15)[0]
    assert 'id="count-result" tabindex="-1" autofocus' in html


def test_one_working_day_uses_the_singular(client):
    html = client.get("/calendar/", {"start": "2026-11-20", "days": "1"}, headers=EN).content.decode()

    assert "1 working day after Nov. 20, 2026 is:" in html


def test_count_form_errors_are_summarised_at_the_top_linking_to_the_fields(client):
    response = client.get("/calendar/", {"start": "30/09/2026", "days": "-2"}, headers=EN)

    html = response.content.decode()
    assert response.status_code == 200
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert '<a href="#id_start">Enter the start date as year-month-day, for example 2026-09-30</a>' in summary
    assert '<a href="#id_days">The number of working days cannot be less than 0</a>' in summary
    assert html.index('class="error-summary"') < html.index("<h1>")
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_start_helptext id_start_error"' in html


def test_counting_into_an_unknown_year_is_a_field_error_not_a_crash(client):
    html = client.get("/calendar/", {"start": "2026-12-20", "days": "30"}, headers=EN).content.decode()

    assert '<a href="#id_start">The official holiday calendar for 2027 has not been published yet' in html


def test_a_month_outside_the_calendar_is_an_error_and_shows_this_month(client):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        html = client.get("/calendar/", {"year": "1999", "month": "13"}, headers=EN).content.decode()

    assert '<a href="#id_year">Enter a year no earlier than 2000</a>' in html
    assert '<a href="#id_month">Choose a month</a>' in html
    assert '<h2 id="month-title">November 2026</h2>' in html


def test_no_previous_link_before_the_first_year(client):
    html = client.get("/calendar/", {"year": 2000, "month": 1}, headers=EN).content.decode()

    assert 'rel="prev"' not in html
    assert 'rel="next"' in html


def test_htmx_count_form_targets_the_page_region(client):
    html = client.get("/calendar/", headers=EN).content.decode()

    assert 'hx-get="/calendar/"' in html
    assert 'hx-select="#workdays-app"' in html
    assert '<div id="workdays-app">' in html
