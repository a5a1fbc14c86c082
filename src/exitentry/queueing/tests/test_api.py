"""The API: the hall's queue (contract), the ticket machine and the officers' counter actions."""

from __future__ import annotations

from typing import Any

import pytest

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.queueing import services
from exitentry.queueing.tests.factories import (
    A,
    B,
    appointment,
    at,
    counter,
    make_hall,
    staff,
    staffed,
    walk_in,
)

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def test_the_hall_queue_shows_waiting_counters_open_predicted_wait_and_who_is_called(
    api: Any, frozen: Any
) -> None:
    hall = make_hall({"1": [A], "2": [A, B]})
    desk, officer = staffed(hall, "1")
    walk_in(hall, A)
    walk_in(hall, A)
    walk_in(hall, B)
    services.call_next(desk, officer)

    response = api.get(f"/service-points/{hall.pk}/queue", headers=EN)

    assert response.status_code == 200
    calling = {"ticket": "A001", "counter": "1", "skill": "citizens_documents", "recalled": False}
    assert response.json() == {
        "service_point_id": hall.pk,
        "at": "2026-09-21T10:00:00+08:00",
        "waiting": 2,
        "predicted_wait_minutes": 16,
        "skills": [
            {
                "skill": "citizens_documents",
                "label": "Passports and travel permits",
                "waiting": 1,
                "counters_open": 1,
                "busy": 1,
                # k = 1 busy + 1 waiting − 1 counter + 1 = 2 services of 8 minutes
                "predicted_wait_minutes": 16,
                "mean_service_minutes": 8.0,
                "now_calling": [calling],
            },
            {
                "skill": "endorsements",
                "label": "Endorsements",
                "waiting": 1,
                "counters_open": 0,
                "busy": 0,
                "predicted_wait_minutes": None,
                "mean_service_minutes": 5.0,
                "now_calling": [],
            },
        ],
        "now_calling": [calling],
    }


def test_the_hall_queue_predicts_for_a_later_arrival(api: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A]})
    staffed(hall, "1")
    for _ in range(15):
        walk_in(hall)  # ρ = 2: the backlog grows by a minute every minute

    now = api.get(f"/service-points/{hall.pk}/queue").json()
    later = api.get(f"/service-points/{hall.pk}/queue", {"at": "2026-09-21T10:30:00+08:00"}).json()
    naive = api.get(f"/service-points/{hall.pk}/queue", {"at": "2026-09-21T10:30:00"}).json()

    assert now["skills"][0]["predicted_wait_minutes"] == 120
    assert later["skills"][0]["predicted_wait_minutes"] == 150
    assert (naive["at"], naive["predicted_wait_minutes"]) == ("2026-09-21T10:30:00+08:00", 150)


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/service-points/999999/queue", {}, 404, "service_point_not_found"),
        ("/service-points/0/queue", {}, 422, "validation_error"),
        ("/service-points/{id}/queue", {"at": "tomorrow"}, 422, "invalid_input"),
    ],
)
def test_the_hall_queue_refuses_bad_requests_clearly(
    api: Any, frozen: Any, path: str, params: dict[str, str], status: int, code: str
) -> None:
    hall = make_hall()

    response = api.get(path.format(id=hall.pk), params)

    assert (response.status_code, response.json()["code"]) == (status, code)


def test_the_service_points_api_shows_real_waiting_counts_and_predicted_waits(api: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    staffed(hall, "1")
    walk_in(hall, A)
    walk_in(hall, A)
    walk_in(hall, B)

    listed = {p["id"]: p for p in api.get("/service-points").json()}[hall.pk]
    for_endorsements = api.get("/service-points", {"service": "hk_macau_endorsement.G"}).json()
    detail = api.get(f"/service-points/{hall.pk}").json()

    assert (listed["waiting"], listed["predicted_wait_minutes"]) == (3, 16)
    assert [(p["waiting"], p["predicted_wait_minutes"]) for p in for_endorsements] == [(1, None)]
    assert (detail["waiting"], detail["predicted_wait_minutes"]) == (3, 16)


def test_the_ticket_machine_issues_a_ticket(api: Any, frozen: Any) -> None:
    hall = make_hall()

    response = api.post(
        f"/queue/service-points/{hall.pk}/tickets",
        {"skill": "citizens_documents", "phone": "13812345678"},
        headers=EN,
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in body if k not in {"id"}} == {
        "number": "A001",
        "service_point_id": hall.pk,
        "skill": "citizens_documents",
        "skill_label": "Passports and travel permits",
        "service": "",
        "priority": "walk_in",
        "status": "waiting",
        "counter": None,
        "people_ahead": 0,
        "predicted_wait_minutes": None,
        "issued_at": "2026-09-21T10:00:00+08:00",
        "called_at": None,
        "phone": "138****5678",
        "appointment_code": None,
    }


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "service_or_skill_required"),
        ({"skill": "juggling"}, 422, "unknown_skill"),
        ({"skill": "foreigners"}, 409, "skill_not_offered"),
        ({"service": "no.such"}, 422, "unknown_service"),
        ({"skill": "citizens_documents", "phone": "12"}, 422, "invalid_phone"),
        ({"skill": "citizens_documents", "phone": "1" * 31}, 422, "validation_error"),
        ({"skill": ["citizens_documents"]}, 422, "validation_error"),
    ],
)
def test_the_ticket_machine_refuses_clearly(
    api: Any, frozen: Any, body: dict[str, Any], status: int, code: str
) -> None:
    hall = make_hall()

    response = api.post(f"/queue/service-points/{hall.pk}/tickets", body, headers=EN)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_no_tickets_from_a_closed_hall(api: Any, frozen: Any) -> None:
    hall = make_hall()
    frozen.move_to(at(7, 30))

    response = api.post(f"/queue/service-points/{hall.pk}/tickets", {"skill": A}, headers=EN)

    assert response.status_code == 409
    assert response.json()["code"] == "hall_closed"
    assert response.json()["message"] == "The service point is closed now, so no tickets are given out."


def test_checking_in_answers_201_then_200_with_the_same_ticket(api: Any, frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(10, 20))

    first = api.post(f"/queue/service-points/{hall.pk}/check-in", {"code": booked.code})
    again = api.post(f"/queue/service-points/{hall.pk}/check-in", {"code": booked.code})
    unknown = api.post(f"/queue/service-points/{hall.pk}/check-in", {"code": "ZZZZZZZZZZ"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["priority"], first.json()["appointment_code"]) == ("appointment", booked.code)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "appointment_not_found")


def test_checking_in_too_early_says_when(api: Any, frozen: Any) -> None:
    hall = make_hall()
    booked = appointment(hall, at(14, 0))

    response = api.post(f"/queue/service-points/{hall.pk}/check-in", {"code": booked.code}, headers=EN)

    assert response.status_code == 409
    assert response.json() == {
        "code": "check_in_too_early",
        "message": "It is too early to check in. Check-in opens at 13:30.",
        "details": {"opens_at": "2026-09-21T13:30:00+08:00"},
    }


def test_an_officer_works_a_ticket_through_the_api(api: Any, frozen: Any) -> None:
    hall = make_hall()
    desk = counter(hall, "1")
    officer = staff(hall)
    walk_in(hall, phone="13900001111")
    api.login(officer.username, PASSWORD)

    opened = api.post(f"/queue/counters/{desk.pk}/open")
    queue = api.get(f"/queue/counters/{desk.pk}/queue")
    called = api.post(f"/queue/counters/{desk.pk}/call-next")
    ticket_id = called.json()["id"]
    recalled = api.post(f"/queue/tickets/{ticket_id}/recall")
    started = api.post(f"/queue/tickets/{ticket_id}/start")
    finished = api.post(f"/queue/tickets/{ticket_id}/finish")
    empty = api.post(f"/queue/counters/{desk.pk}/call-next")
    closed = api.post(f"/queue/counters/{desk.pk}/close")

    assert (opened.status_code, opened.json()["counter"], opened.json()["officer"]) == (
        200,
        "1",
        officer.username,
    )
    assert [(t["number"], t["phone"]) for t in queue.json()] == [("A001", "139****1111")]
    assert (called.status_code, called.json()["status"], called.json()["counter"]) == (200, "called", "1")
    assert [r.json()["status"] for r in (recalled, started, finished)] == ["called", "serving", "done"]
    assert (empty.status_code, empty.json()["code"]) == (409, "queue_empty")
    assert (closed.status_code, closed.json()["closed_at"]) == (200, "2026-09-21T10:00:00+08:00")


def test_transfer_through_the_api_answers_the_new_leg(api: Any, frozen: Any) -> None:
    hall = make_hall({"1": [A], "2": [B]})
    desk, officer = staffed(hall, "1")
    walk_in(hall)
    ticket = services.call_next(desk, officer)
    api.login(officer.username, PASSWORD)

    missing = api.post(f"/queue/tickets/{ticket.pk}/transfer", {})
    moved = api.post(
        f"/queue/tickets/{ticket.pk}/transfer", {"counter_id": counter(hall, "2").pk, "skill": B}
    )

    assert (missing.status_code, missing.json()["code"]) == (422, "transfer_target_required")
    assert moved.status_code == 200
    assert (moved.json()["number"], moved.json()["skill"], moved.json()["status"]) == ("A001", B, "waiting")
    assert moved.json()["id"] != ticket.pk


def test_counter_actions_need_a_signed_in_officer_of_the_hall(api: Any, frozen: Any) -> None:
    hall = make_hall()
    desk = counter(hall, "1")
    anonymous = api.post(f"/queue/counters/{desk.pk}/open")
    applicant = staff(None, Role.APPLICANT)
    api.login(applicant.username, PASSWORD)
    as_applicant = api.post(f"/queue/counters/{desk.pk}/open")
    stranger = staff(make_hall())
    api.login(stranger.username, PASSWORD)
    as_stranger = api.post(f"/queue/counters/{desk.pk}/open")
    unknown = api.post("/queue/counters/999999/open")

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (as_applicant.status_code, as_applicant.json()["code"]) == (403, "permission_denied")
    assert (as_stranger.status_code, as_stranger.json()["code"]) == (403, "permission_denied")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "counter_not_found")


def test_acting_on_a_ticket_in_the_wrong_state_is_a_conflict(api: Any, frozen: Any) -> None:
    hall = make_hall()
    _desk, officer = staffed(hall, "1")
    ticket = walk_in(hall)
    api.login(officer.username, PASSWORD)

    response = api.post(f"/queue/tickets/{ticket.pk}/finish")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
