from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from exitentry.applications.tests import factories as f


@pytest.fixture
def application(api, applicant, jinan_hall):
    response = api.post(
        "/applications",
        f.application_body(["passport.renewal", "hk_macau_permit.renewal"], pickup=jinan_hall.pk),
        headers={**f.bearer(applicant), "Idempotency-Key": "track-1"},
    )
    assert response.status_code == 201, response.json()
    return response.json()


def track(api, number, last4, language="en"):
    api.headers.pop("Authorization", None)
    return api.get("/track", {"number": number, "id_last4": last4}, headers={"Accept-Language": language})


def test_tracking_shows_status_promised_date_and_history(api, application, resident):
    response = track(api, application["number"], resident.id_number[-4:])

    assert response.status_code == 200
    data = response.json()
    assert (data["number"], data["status"], data["status_label"], data["promised_date"]) == (
        application["number"],
        "awaiting_payment",
        "Waiting for payment",
        None,
    )
    assert [(e["service"], e["status"]) for e in data["events"]] == [
        ("Passport: renewal", "submitted"),
        ("Hong Kong and Macau permit: renewal", "submitted"),
        ("Passport: renewal", "awaiting_payment"),
        ("Hong Kong and Macau permit: renewal", "awaiting_payment"),
    ]
    assert [item["service"] for item in data["items"]] == ["passport.renewal", "hk_macau_permit.renewal"]


def test_tracking_wrong_last4_looks_like_unknown_number(api, application, resident):
    wrong_last4 = track(api, application["number"], "0000")
    unknown_number = track(api, "SD260921ABCDE" + "X", resident.id_number[-4:])
    malformed = track(api, "hello", resident.id_number[-4:])

    assert wrong_last4.status_code == unknown_number.status_code == malformed.status_code == 404
    assert wrong_last4.json() == unknown_number.json() == malformed.json()


def test_tracking_speaks_the_visitors_language(api, application, resident):
    chinese = track(api, application["number"], resident.id_number[-4:], language="zh-hans").json()
    english = track(api, application["number"], resident.id_number[-4:], language="en").json()

    assert english["status_label"] == "Waiting for payment"
    assert chinese["status_label"] != english["status_label"]
    assert chinese["items"][0]["name"] == "普通护照换发"


@override_settings(EXITENTRY_TRACKING_PER_CLIENT_PER_MINUTE=3)
def test_tracking_is_rate_limited_per_client(api, application, resident, clock):
    answers = [track(api, application["number"], resident.id_number[-4:]).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert (
        track(api, application["number"], resident.id_number[-4:]).json()["code"] == "tracking_rate_limited"
    )
    clock.shift(dt.timedelta(minutes=1))
    assert track(api, application["number"], resident.id_number[-4:]).status_code == 200


@override_settings(EXITENTRY_TRACKING_FAILURES_PER_NUMBER=3, EXITENTRY_TRACKING_PER_CLIENT_PER_MINUTE=100)
def test_guessing_the_id_ending_locks_the_number_for_an_hour(api, application, resident, clock):
    for guess in ("0001", "0002", "0003"):
        assert track(api, application["number"], guess).status_code == 404

    assert track(api, application["number"], resident.id_number[-4:]).status_code == 429
    clock.shift(dt.timedelta(minutes=59))
    assert track(api, application["number"], resident.id_number[-4:]).status_code == 429
    clock.shift(dt.timedelta(hours=1, minutes=2))
    assert track(api, application["number"], resident.id_number[-4:]).status_code == 200


def test_tracking_needs_both_values(api):
    response = api.get("/track", {"number": "SD260921ABCDEX"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_the_tracking_page_answers_in_the_visitors_language(client, application, resident):
    page = client.post(
        "/track/",
        {"number": application["number"].lower(), "id_last4": resident.id_number[-4:]},
        headers={"Accept-Language": "en"},
    )

    assert page.status_code == 200
    assert "Waiting for payment" in page.content.decode()
    assert application["number"] in page.content.decode()


def test_the_tracking_page_says_an_accepted_application_without_a_date_is_accepted(
    client, resident, jinan_hall
):
    item = f.make_item(resident, jinan_hall, accepted_on=dt.date(2026, 12, 7), promised_date=None)

    page = client.post(
        "/track/",
        {"number": item.application.number, "id_last4": resident.id_number[-4:]},
        headers={"Accept-Language": "en"},
    ).content.decode()

    assert "Accepted; the date is not set yet" in page
    assert "Set when we have everything" not in page


def test_the_tracking_page_gives_one_message_for_any_mismatch(client, application):
    page = client.post(
        "/track/", {"number": application["number"], "id_last4": "0000"}, headers={"Accept-Language": "en"}
    )

    assert page.status_code == 404
    assert "No application matches this number" in page.content.decode()
    assert 'class="error-summary"' in page.content.decode()


def test_the_tracking_answer_is_exactly_the_documented_schema_rendered(api, application, resident):
    from exitentry.api import api as ninja_api
    from exitentry.applications.models import ItemEvent
    from exitentry.applications.schemas import TrackOut

    response = track(api, application["number"], resident.id_number[-4:])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    # Rendering the answer through the schema changes nothing: same keys, order and values.
    validated = TrackOut.model_validate(data).model_dump()
    assert response.content == ninja_api.renderer.render(None, validated, response_status=200)
    assert list(data) == ["number", "status", "status_label", "promised_date", "items", "events"]
    assert list(data["items"][0]) == [
        "service", "name", "status", "status_label", "promised_date", "courier", "tracking_number",
        "courier_events",
    ]  # fmt: skip
    stored = ItemEvent.objects.filter(item__application__number=application["number"]).exclude(
        to_status="draft"
    )
    expected_at = sorted((event.at, event.pk) for event in stored)
    assert [dt.datetime.fromisoformat(e["at"]) for e in data["events"]] == [
        at.replace(microsecond=at.microsecond // 1000 * 1000) for at, _pk in expected_at
    ]
