"""The catalog API contract: /api/v1/catalog/services, /checklist, /promised-date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exitentry.catalog.models import Service

EN = {"Accept-Language": "en"}
THREE = ["passport.renewal", "hk_macau_permit.first_issue", "hk_macau_endorsement.G"]


def test_services_list_has_code_name_document_type_fee_and_channels(api):
    response = api.get("/catalog/services", headers=EN)

    assert response.status_code == 200
    body = response.json()
    assert len(body) == Service.objects.filter(is_active=True).count() == 26
    passport = next(row for row in body if row["code"] == "passport.renewal")
    assert {
        key: passport[key] for key in ("code", "name", "document_type", "holder", "fee_cny", "channels")
    } == {
        "code": "passport.renewal",
        "name": "Passport: renewal",
        "document_type": "passport",
        "holder": "citizen",
        "fee_cny": "120.00",
        "channels": ["online", "window", "home_service", "green_channel"],
    }
    g = next(row for row in body if row["code"] == "hk_macau_endorsement.G")
    assert g["fee_cny"] == "15.00"
    assert [(o["code"], o["fee_cny"]) for o in g["entries_options"]] == [
        ("single", "15.00"),
        ("double", "30.00"),
    ]


def test_services_list_speaks_the_request_language(api):
    names = {
        row["code"]: row["name"]
        for row in api.get("/catalog/services", headers={"Accept-Language": "zh-hans"}).json()
    }

    assert names["passport.first_issue"] == "普通护照首次申请"
    assert names["hk_macau_endorsement.G"] == "往来港澳个人旅游签注（G）"


def test_services_list_leaves_out_inactive_services(api):
    Service.objects.filter(code="taiwan_permit.renewal").update(is_active=False)

    codes = [row["code"] for row in api.get("/catalog/services").json()]

    assert "taiwan_permit.renewal" not in codes
    assert len(codes) == 25


def test_services_list_keeps_the_citizens_or_the_foreigners_services(api):
    citizens = [row["code"] for row in api.get("/catalog/services?holder=citizen").json()]
    foreigners = [row["code"] for row in api.get("/catalog/services?holder=foreigner").json()]

    assert len(citizens) == 18
    assert not [code for code in citizens if code.startswith("foreigners.")]
    assert sorted(foreigners) == [
        "foreigners.residence_family",
        "foreigners.residence_study",
        "foreigners.residence_talent",
        "foreigners.residence_work",
        "foreigners.talent_visa",
        "foreigners.visa_change",
        "foreigners.visa_extension",
        "foreigners.work_permit",
    ]
    assert api.get("/catalog/services?holder=martian").status_code == 422


def test_checklist_answers_the_one_time_notification(api):
    response = api.post(
        "/catalog/checklist",
        {
            "services": THREE,
            "applicant": {"birth_date": "1990-03-07", "household_city": "370200"},
            "accepted_on": "2026-09-30",
        },
        headers=EN,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total_fee_cny"] == "195.00"
    assert body["promised_date"] == "2026-10-15"
    assert [
        (i["service"], i["fee_cny"], i["promise"]["due"], i["promise"]["rule"]) for i in body["items"]
    ] == [
        ("passport.renewal", "120.00", "2026-10-15", "7 working days"),
        ("hk_macau_permit.first_issue", "60.00", "2026-10-15", "7 working days"),
        ("hk_macau_endorsement.G", "15.00", "2026-10-15", "7 working days"),
    ]
    assert [(m["code"], m["needed"], m["verified_by_source"]) for m in body["materials"]] == [
        ("resident_id_card", True, False),
        ("application_form", False, False),
        ("photo", False, False),
        ("previous_passport", True, False),
    ]
    assert [w["code"] for w in body["warnings"]] == ["zero_visit_possible"]
    assert body["applicant"] == {
        "age": 36,
        "under_16": False,
        "in_province": True,
        "household_city": "370200",
        "household_city_name": "Qingdao",
        "expedited": False,
        "business_trip": False,
    }
    assert (body["where_to_go"], body["where_to_go_basis"]) == ([], "near_household_city")


def test_checklist_defaults_to_accepting_today(api):
    with time_machine.travel(dt.datetime(2026, 9, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        response = api.post(
            "/catalog/checklist",
            {
                "services": ["passport.first_issue"],
                "applicant": {"age": 20, "household_city": "370100", "expedited": True},
            },
        )

    assert response.status_code == 200
    assert (response.json()["accepted_on"], response.json()["promised_date"]) == ("2026-09-30", "2026-10-13")


def test_checklist_with_unknown_codes_is_422_listing_them(api):
    response = api.post(
        "/catalog/checklist",
        {
            "services": ["passport.renewal", "passport.renewl"],
            "applicant": {"age": 30, "household_city": "370200"},
        },
        headers=EN,
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_service",
        "message": "Some of the services asked for do not exist or are not offered.",
        "details": {"unknown": ["passport.renewl"]},
    }


def test_checklist_with_two_first_issues_of_one_document_is_422(api):
    response = api.post(
        "/catalog/checklist",
        {
            "services": ["hk_macau_permit.first_issue", "hk_macau_permit.replacement_lost"],
            "applicant": {"age": 30, "household_city": "370200"},
        },
    )

    assert response.status_code == 422
    assert response.json()["code"] == "conflicting_services"
    assert response.json()["details"]["conflicts"] == [
        ["hk_macau_permit.first_issue", "hk_macau_permit.replacement_lost"]
    ]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"services": [], "applicant": {"age": 30}}, "validation_error"),
        (
            {"services": ["passport.renewal"], "applicant": {"age": -1, "household_city": "370200"}},
            "validation_error",
        ),
        (
            {"services": ["passport.renewal"], "applicant": {"age": 30, "household_city": "3702"}},
            "validation_error",
        ),
        (
            {
                "services": ["passport.renewal"],
                "applicant": {"age": 30, "household_city": "370200", "lat": 36.0},
            },
            "validation_error",
        ),
        (
            {"services": ["passport.renewal"], "applicant": {"household_city": "370200"}},
            "birth_date_required",
        ),
        ({"services": ["passport.renewal"], "applicant": {"age": 30}}, "household_city_required"),
        (
            {"services": ["passport.renewal"], "applicant": {"age": 30, "household_city": "990000"}},
            "invalid_household_city",
        ),
        (
            {
                "services": ["hk_macau_endorsement.D"],
                "applicant": {"age": 30, "household_city": "370200", "entries": "double"},
            },
            "invalid_entries",
        ),
        (
            {
                "services": ["passport.renewal"],
                "applicant": {"age": 30, "household_city": "370200"},
                "accepted_on": "2031-02-03",
            },
            "calendar_unknown_year",
        ),
    ],
)
def test_checklist_bad_input_is_422_with_a_clear_code(api, payload, code):
    response = api.post("/catalog/checklist", payload)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "details"}


def test_checklist_error_messages_are_translated(api):
    response = api.post(
        "/catalog/checklist",
        {"services": ["nope"], "applicant": {"age": 30, "household_city": "370200"}},
        headers={"Accept-Language": "zh-hans"},
    )

    assert response.json()["message"] == "您申请的部分业务不存在或暂不办理。"


@pytest.mark.parametrize(
    ("payload", "due", "rule", "rule_code"),
    [
        ({"in_province": True, "expedited": False}, "2026-10-15", "7 working days", "citizens.in_province"),
        (
            {"in_province": False, "expedited": False},
            "2026-10-20",
            "20 calendar days",
            "citizens.out_of_province",
        ),
        ({"in_province": True, "expedited": True}, "2026-10-13", "5 working days", "citizens.expedited"),
    ],
)
def test_promised_date_follows_the_rule(api, payload, due, rule, rule_code):
    response = api.post(
        "/catalog/promised-date",
        {"service": "passport.first_issue", "accepted_on": "2026-09-30", **payload},
        headers=EN,
    )

    assert response.status_code == 200
    assert response.json() == {
        "service": "passport.first_issue",
        "accepted_on": "2026-09-30",
        "due": due,
        "rule": rule,
        "rule_code": rule_code,
        "applies_to": rule_code.replace(".", "_"),
        "amount": int(rule.split()[0]),
        "unit": "working_days" if "working" in rule else "calendar_days",
    }


@pytest.mark.parametrize(
    ("language", "rule"),
    [("zh-hans", "7个工作日"), ("ru", "7 рабочих дней"), ("ja", "7営業日"), ("ko", "근무일 기준 7일")],
)
def test_promised_date_rule_text_is_translated(api, language, rule):
    response = api.post(
        "/catalog/promised-date",
        {"service": "passport.renewal", "accepted_on": "2026-09-30"},
        headers={"Accept-Language": language},
    )

    assert response.json()["rule"] == rule


def test_promised_date_in_an_unpublished_year_passes_the_calendar_error_through(api):
    response = api.post(
        "/catalog/promised-date", {"service": "passport.renewal", "accepted_on": "2031-12-28"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "calendar_unknown_year"


def test_promised_date_for_an_unknown_service_is_422(api):
    response = api.post("/catalog/promised-date", {"service": "passport.express"})

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_service"
    assert response.json()["details"] == {"unknown": ["passport.express"]}
