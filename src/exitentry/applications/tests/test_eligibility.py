from __future__ import annotations

import pytest

from exitentry.applications.models import Application
from exitentry.applications.tests import factories as f


def check(api, user, services, face="sandbox-pass-ok", language="zh-hans"):
    return api.post(
        "/applications/eligibility/zero-visit",
        {"services": services, "face_check_reference": face},
        headers={**f.bearer(user), "Accept-Language": language},
    )


def test_an_adult_in_a_pilot_city_with_everything_on_file_is_eligible(api, applicant, jinan_hall):
    response = check(api, applicant, ["passport.renewal", "hk_macau_permit.renewal"])

    assert response.status_code == 200
    assert response.json() == {"eligible": True, "failures": [], "where_to_go": [], "booking_url": None}


def test_under_16_is_told_why_and_offered_a_hall_and_a_booking(api, jinan_hall):
    child = f.person(age=15)
    f.passport(child)
    user = f.applicant(child)

    response = check(api, user, ["passport.renewal"])

    data = response.json()
    assert data["eligible"] is False
    assert [failure["code"] for failure in data["failures"]] == ["under_16"]
    assert [place["id"] for place in data["where_to_go"]] == [jinan_hall.pk]
    assert data["booking_url"] == f"/appointments/book/?service=passport.renewal&point={jinan_hall.pk}"


def test_no_fingerprints_on_file_is_a_failed_condition(api, jinan_hall):
    owner = f.person(fingerprints=False)
    f.passport(owner)

    response = check(api, f.applicant(owner), ["passport.renewal"])

    assert [failure["code"] for failure in response.json()["failures"]] == ["no_fingerprints"]


def test_outside_the_pilot_cities_the_answer_names_them(api, jinan_hall):
    owner = f.person(city_code=f.YANTAI, region="370602")
    f.passport(owner)

    response = check(api, f.applicant(owner), ["passport.renewal"], language="en")

    failures = response.json()["failures"]
    assert [failure["code"] for failure in failures] == ["not_in_pilot_city"]
    assert "Jinan, Qingdao" in failures[0]["message"]
    assert "Yantai" in failures[0]["message"]


def test_a_restricted_person_cannot_apply_online(api, jinan_hall):
    owner = f.person(restricted=True)
    f.passport(owner)

    response = check(api, f.applicant(owner), ["passport.renewal"])

    assert [failure["code"] for failure in response.json()["failures"]] == ["restricted"]


def test_without_an_earlier_document_of_the_kind_it_is_a_first_application(api, applicant, jinan_hall):
    response = check(api, applicant, ["taiwan_permit.renewal"])

    failures = response.json()["failures"]
    assert [(x["code"], x["service"]) for x in failures] == [
        ("no_previous_document", "taiwan_permit.renewal")
    ]


def test_a_first_application_is_not_offered_online(api, applicant, jinan_hall):
    response = check(api, applicant, ["taiwan_permit.first_issue"])

    failures = response.json()["failures"]
    assert [(x["code"], x["service"]) for x in failures] == [
        ("not_offered_online", "taiwan_permit.first_issue")
    ]
    assert response.json()["booking_url"].startswith("/appointments/book/?service=taiwan_permit.first_issue")


@pytest.mark.parametrize(
    ("face", "code"),
    [
        ("", "face_check_required"),
        ("sandbox-fail", "face_check_failed"),
        ("sandbox-unavailable", "face_check_unavailable"),
    ],
)
def test_the_live_face_check_must_pass(api, applicant, jinan_hall, face, code):
    response = check(api, applicant, ["passport.renewal"], face=face)

    assert [failure["code"] for failure in response.json()["failures"]] == [code]


def test_every_failing_condition_is_listed(api, jinan_hall):
    owner = f.person(age=15, fingerprints=False, restricted=True, city_code=f.BEIJING, region="110105")

    response = check(api, f.applicant(owner), ["passport.renewal"], face="sandbox-fail")

    assert [failure["code"] for failure in response.json()["failures"]] == [
        "under_16",
        "restricted",
        "no_previous_document",
        "no_fingerprints",
        "not_in_pilot_city",
        "face_check_failed",
    ]


def test_the_reasons_are_in_the_visitors_language(api, jinan_hall):
    owner = f.person(fingerprints=False)
    f.passport(owner)
    user = f.applicant(owner)

    chinese = check(api, user, ["passport.renewal"], language="zh-hans").json()["failures"][0]["message"]
    english = check(api, user, ["passport.renewal"], language="en").json()["failures"][0]["message"]

    assert english.startswith("We do not have your fingerprints on file.")
    assert "指纹" in chinese


def test_submitting_online_when_not_eligible_creates_nothing_and_says_why(api, jinan_hall):
    owner = f.person(fingerprints=False)
    f.passport(owner)

    response = api.post(
        "/applications",
        f.application_body(["passport.renewal"], pickup=jinan_hall.pk),
        headers={**f.bearer(f.applicant(owner)), "Idempotency-Key": "k"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "not_eligible_for_zero_visit"
    assert [failure["code"] for failure in body["details"]["failures"]] == ["no_fingerprints"]
    assert body["details"]["booking_url"].startswith("/appointments/book/")
    assert Application.objects.count() == 0


def test_unknown_services_are_refused_by_the_eligibility_check(api, applicant):
    response = check(api, applicant, ["passport.nothing"])

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_service"
