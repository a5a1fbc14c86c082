"""GET /api/v1/recommendations: the contract, validation and who counts as the same caller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from exitentry.queueing.tests.factories import make_hall, staffed, walk_in
from exitentry.routing.models import RecommendationIssued

NEAR = {"latitude": Decimal("36.660000"), "longitude": Decimal("117.000000")}
FAR = {"latitude": Decimal("36.680000"), "longitude": Decimal("117.000000")}
QUERY = {"lat": "36.65", "lon": "117.0", "service": "passport.renewal"}

pytestmark = pytest.mark.usefixtures("monday_10")


def test_recommendations_answer_the_ranked_contract(api: Any) -> None:
    busy = make_hall(code="near-busy", **NEAR)
    idle = make_hall(code="far-idle", **FAR)
    staffed(busy, "1")
    staffed(idle, "1")
    for _ in range(10):
        walk_in(busy)

    response = api.get("/recommendations", QUERY)

    assert response.status_code == 200
    first, second = response.json()
    assert {
        k: first[k] for k in ("service_point_id", "travel_minutes", "predicted_wait_minutes", "score")
    } == {
        "service_point_id": idle.pk,
        "travel_minutes": 11.2,
        "predicted_wait_minutes": 0.0,
        "score": 11.2,
    }
    assert first["arrival"] == "2026-09-21T10:11:12+08:00"
    assert (first["code"], first["waiting"], first["counters"], first["en_route"], first["booked_due"]) == (
        "far-idle",
        0,
        1,
        0,
        0,
    )
    assert second["service_point_id"] == busy.pk
    assert second["waiting"] == 10
    assert second["predicted_wait_minutes"] == 76.3
    assert second["score"] == 80.0


def test_each_caller_is_counted_once_and_others_see_them_on_the_way(api: Any, client: Any) -> None:
    hall = make_hall(code="near", **NEAR)
    staffed(hall, "1")

    api.get("/recommendations", QUERY, headers={"User-Agent": "phone-a"})
    api.get("/recommendations", QUERY, headers={"User-Agent": "phone-a"})
    assert RecommendationIssued.objects.count() == 1

    other = api.get("/recommendations", QUERY, headers={"User-Agent": "phone-b"}).json()[0]
    assert other["en_route"] == 1
    assert other["predicted_wait_minutes"] == 8.0
    assert RecommendationIssued.objects.count() == 2


def test_a_departure_time_with_an_unencoded_plus_is_understood(api: Any) -> None:
    make_hall(code="near", **NEAR)

    response = api.get("/recommendations", {**QUERY, "at": "2026-09-21T11:00 08:00"})

    assert response.status_code == 200
    assert response.json()[0]["arrival"].startswith("2026-09-21T11:03:44")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"lon": "117.0", "service": "passport.renewal"}, "validation_error"),
        ({**QUERY, "lat": "91"}, "validation_error"),
        ({**QUERY, "lon": "-180.5"}, "validation_error"),
        ({**QUERY, "lat": "north"}, "validation_error"),
        ({**QUERY, "service": "no.such_service"}, "unknown_service"),
        ({**QUERY, "service": ""}, "validation_error"),
        ({**QUERY, "at": "2026-09-21T11:00"}, "validation_error"),
        ({**QUERY, "at": "1790000000"}, "validation_error"),
        ({**QUERY, "at": "2026-09-21T09:00+08:00"}, "time_in_past"),
        ({**QUERY, "at": "2026-10-05T09:00+08:00"}, "time_too_far_ahead"),
    ],
)
def test_bad_queries_are_422_with_a_translated_message(api: Any, params: dict[str, str], code: str) -> None:
    make_hall(code="near", **NEAR)

    response = api.get("/recommendations", params, headers={"Accept-Language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert RecommendationIssued.objects.count() == 0


def test_messages_follow_the_callers_language(api: Any) -> None:
    response = api.get(
        "/recommendations", {**QUERY, "at": "2026-09-21T09:00+08:00"}, headers={"Accept-Language": "en"}
    )
    assert response.json()["message"] == "The time has already passed. Leave it out to mean now."


def test_a_hall_opening_after_the_arrival_says_when(api: Any) -> None:
    hall = make_hall(code="near", **NEAR)
    hall.hours.filter(weekday=0).update(opens=dt.time(10, 30))
    make_hall(code="far", **FAR)

    first, second = api.get("/recommendations", QUERY).json()

    assert (first["code"], first["opens_at"]) == ("far", None)
    assert (second["code"], second["opens_at"]) == ("near", "2026-09-21T10:30:00+08:00")
    assert second["predicted_wait_minutes"] == 26.3  # there at 10:03.7, the door opens at 10:30


def test_no_open_hall_for_the_service_is_an_empty_list(api: Any) -> None:
    response = api.get("/recommendations", QUERY)

    assert response.status_code == 200
    assert response.json() == []
