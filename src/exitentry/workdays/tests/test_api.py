"""The calendar API contracts of docs/DESIGN.md, with exact values from the official calendar."""

import datetime as dt

import pytest

from exitentry.workdays.models import DayKind
from exitentry.workdays.tests.factories import CalendarYearFactory, DayOverrideFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
EXTRA_DAY_OFF = {
    "zh-hans": "临时休息日",
    "en": "Extra day off",
    "ru": "Доп. выходной",
    "ja": "臨時休日",
    "ko": "임시 휴일",
}


def test_adding_seven_working_days_skips_national_day_week(api):
    response = api.get("/calendar/add-working-days", {"start": "2026-09-30", "days": 7})

    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-30", "days": 7, "due": "2026-10-15"}


def test_zero_working_days_is_the_start_itself(api):
    response = api.get("/calendar/add-working-days", {"start": "2026-10-01", "days": 0})

    assert response.json() == {"start": "2026-10-01", "days": 0, "due": "2026-10-01"}


def test_friday_plus_one_working_day_is_monday(api):
    response = api.get("/calendar/add-working-days", {"start": "2026-11-20", "days": 1})

    assert response.json()["due"] == "2026-11-23"


def test_national_day_is_a_named_holiday_in_english(api):
    response = api.get("/calendar/days/2026-10-01", headers=EN)

    assert response.status_code == 200
    assert response.json() == {
        "date": "2026-10-01",
        "is_working_day": False,
        "holiday": "National Day",
        "is_makeup_workday": False,
        "makeup_for": None,
        "source": "official",
    }


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        ({}, "国庆节"),
        ({"Accept-Language": "zh-Hans"}, "国庆节"),
        ({"Accept-Language": "ru"}, "День образования КНР"),
        ({"Accept-Language": "ja"}, "国慶節"),
        ({"Accept-Language": "ko"}, "국경절"),
    ],
)
def test_holiday_name_follows_accept_language(api, headers, name):
    response = api.get("/calendar/days/2026-10-01", headers=headers)

    assert response.json()["holiday"] == name


def test_saturday_14_february_2026_is_a_makeup_working_day(api):
    response = api.get("/calendar/days/2026-02-14", headers=EN)

    assert response.json() == {
        "date": "2026-02-14",
        "is_working_day": True,
        "holiday": None,
        "is_makeup_workday": True,
        "makeup_for": "Spring Festival",
        "source": "official",
    }


def test_plain_weekend_is_not_a_working_day_and_has_no_holiday(api):
    response = api.get("/calendar/days/2026-11-21")

    body = response.json()
    assert (body["is_working_day"], body["holiday"], body["is_makeup_workday"]) == (False, None, False)


def test_plain_weekday_is_a_working_day(api):
    response = api.get("/calendar/days/2026-11-23")

    assert response.json()["is_working_day"] is True


def test_year_without_official_data_is_422_calendar_unknown_year(api):
    response = api.get("/calendar/days/2027-03-01", headers=EN)

    assert response.status_code == 422
    assert response.json() == {
        "code": "calendar_unknown_year",
        "message": "The official holiday calendar for 2027 has not been published yet, "
        "so working days in that year cannot be counted.",
        "details": {"year": 2027},
    }


def test_adding_days_into_an_unknown_year_is_422(api):
    response = api.get("/calendar/add-working-days", {"start": "2026-12-20", "days": 20})

    assert response.status_code == 422
    assert response.json()["code"] == "calendar_unknown_year"
    assert response.json()["details"] == {"year": 2027}


def test_unknown_year_message_is_translated(api):
    response = api.get("/calendar/days/2027-03-01", headers={"Accept-Language": "zh-hans"})

    assert response.json()["message"] == "2027年的官方节假日安排尚未公布，因此无法计算该年的工作日。"


def test_2027_answers_once_declared_with_overrides(api):
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    assert api.get("/calendar/days/2027-10-01").status_code == 422

    CalendarYearFactory(year=2027)

    holiday = api.get("/calendar/days/2027-10-01", headers=EN).json()
    assert holiday == {
        "date": "2027-10-01",
        "is_working_day": False,
        "holiday": "National Day",
        "is_makeup_workday": False,
        "makeup_for": None,
        "source": "override",
    }
    weekday = api.get("/calendar/days/2027-03-01").json()
    assert (weekday["is_working_day"], weekday["source"]) == (True, "weekday_rule")
    # Thursday 30 September 2027 + 1 working day skips the Friday holiday and the weekend.
    due = api.get("/calendar/add-working-days", {"start": "2027-09-30", "days": 1}).json()["due"]
    assert due == "2027-10-04"


def test_override_beats_the_official_calendar(api):
    # An extra day off on an ordinary Monday, and a Saturday turned into a working day.
    DayOverrideFactory(date=dt.date(2026, 11, 23), kind=DayKind.HOLIDAY, names=EXTRA_DAY_OFF)
    DayOverrideFactory(date=dt.date(2026, 11, 28), kind=DayKind.WORKDAY, names={})

    monday = api.get("/calendar/days/2026-11-23", headers=EN).json()
    saturday = api.get("/calendar/days/2026-11-28").json()

    assert (monday["is_working_day"], monday["holiday"], monday["source"]) == (
        False,
        "Extra day off",
        "override",
    )
    assert (saturday["is_working_day"], saturday["is_makeup_workday"], saturday["makeup_for"]) == (
        True,
        True,
        None,
    )
    due = api.get("/calendar/add-working-days", {"start": "2026-11-20", "days": 1}).json()["due"]
    assert due == "2026-11-24"


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"days": 7}, ["query", "start"]),
        ({"start": "2026-09-30"}, ["query", "days"]),
        ({"start": "2026-02-30", "days": 7}, ["query", "start"]),
        ({"start": "30/09/2026", "days": 7}, ["query", "start"]),
        ({"start": "0", "days": 7}, ["query", "start"]),
        ({"start": "1700000000", "days": 7}, ["query", "start"]),
        ({"start": "2026-09-30", "days": "seven"}, ["query", "days"]),
        ({"start": "2026-09-30", "days": "1.5"}, ["query", "days"]),
    ],
)
def test_missing_or_malformed_parameters_are_422_validation_error(api, params, location):
    response = api.get("/calendar/add-working-days", params, headers=EN)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "validation_error"
    assert body["message"] == "Some of the information given is not valid."
    assert [error["loc"] for error in body["details"]["errors"]] == [location]


@pytest.mark.parametrize("days", [-1, 3661, 10**30])
def test_negative_or_huge_day_counts_are_422_invalid_input(api, days):
    response = api.get("/calendar/add-working-days", {"start": "2026-09-30", "days": days}, headers=EN)

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "The number of days must be between 0 and 3660.",
        "details": {"field": "days", "max": 3660},
    }


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-1-1", "20261001"])
def test_malformed_day_in_path_is_422_validation_error(api, value):
    response = api.get(f"/calendar/days/{value}")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"]["errors"][0]["loc"] == ["path", "date"]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_extreme_dates_are_unknown_years_not_errors(api, value):
    response = api.get(f"/calendar/days/{value}")

    assert response.status_code == 422
    assert response.json()["code"] == "calendar_unknown_year"


def test_last_representable_date_plus_days_is_422_not_500(api):
    response = api.get("/calendar/add-working-days", {"start": "9999-12-31", "days": 5})

    assert response.status_code == 422
    assert response.json()["code"] == "calendar_unknown_year"
