from __future__ import annotations

import datetime as dt

import pytest

from exitentry.accounts.models import Role
from exitentry.applications.tests import factories as f
from exitentry.appointments.models import Appointment
from exitentry.audit.models import AuditEvent
from exitentry.consult.models import Ticket
from exitentry.consult.tests import factories as cf
from exitentry.servicepoints.models import Slot

TUESDAY = dt.date(2026, 9, 22)


@pytest.fixture
def caller():
    person = f.person(age=40)
    f.applicant(person)
    return person


@pytest.fixture
def ticket(auth, agent):
    api = auth(agent)
    response = api.post("/consult/tickets", {"language": "en"})
    assert response.status_code == 201, response.content
    return response.json()


def _verified(api, ticket, caller):
    tid = ticket["id"]
    assert api.post(f"/consult/tickets/{tid}/consent").status_code == 200
    assert (
        api.post(
            f"/consult/tickets/{tid}/lookup", {"kind": "id_number", "value": caller.id_number}
        ).status_code
        == 200
    )
    body = {"id_last6": caller.id_number[-6:], "birth_date": caller.birth_date.isoformat()}
    response = api.post(f"/consult/tickets/{tid}/verify", body)
    assert response.status_code == 200, response.content
    return response.json()


def test_only_hotline_agents_open_tickets(auth):
    api = auth(f.applicant())

    response = api.post("/consult/tickets", {"language": "en"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_lookup_before_consent_is_refused(api, ticket, caller):
    response = api.post(
        f"/consult/tickets/{ticket['id']}/lookup", {"kind": "id_number", "value": caller.id_number}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "consent_required"
    assert Ticket.objects.get().person is None


@pytest.mark.parametrize("kind", ["id_number", "phone", "application"])
def test_lookup_after_consent_shows_masked_data_and_is_audited(api, ticket, caller, jinan_hall, kind):
    application = f.make_item(caller, jinan_hall).application
    value = {"id_number": caller.id_number, "phone": caller.phone, "application": application.number}[kind]
    api.post(f"/consult/tickets/{ticket['id']}/consent")

    response = api.post(f"/consult/tickets/{ticket['id']}/lookup", {"kind": kind, "value": value})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verified"] is False
    assert body["id_number"] == caller.id_number[:4] + "*" * 10 + caller.id_number[-4:]
    assert body["phone"] == caller.phone[:3] + "****" + caller.phone[-4:]
    assert body["full_name"] == caller.full_name[0] + "*" * (len(caller.full_name) - 1)
    assert [a["number"] for a in body["applications"]] == [application.number]
    viewed = AuditEvent.objects.filter(action="personal_record.viewed", object_id=str(caller.pk))
    assert viewed.count() == 2  # the lookup and the masked view it returned
    assert AuditEvent.objects.filter(action="consult.caller_consent_recorded").count() == 1


def test_unknown_caller_is_404_and_audited(api, ticket):
    api.post(f"/consult/tickets/{ticket['id']}/consent")

    response = api.post(f"/consult/tickets/{ticket['id']}/lookup", {"kind": "phone", "value": "13000000000"})

    assert response.status_code == 404
    assert response.json()["code"] == "caller_not_found"
    assert AuditEvent.objects.filter(action="consult.caller_lookup_failed").count() == 1


def test_unmasking_without_verification_is_403_and_audited(api, ticket, caller):
    api.post(f"/consult/tickets/{ticket['id']}/consent")
    api.post(f"/consult/tickets/{ticket['id']}/lookup", {"kind": "id_number", "value": caller.id_number})

    response = api.get(f"/consult/tickets/{ticket['id']}/caller", {"unmasked": "true"})

    assert response.status_code == 403
    assert response.json()["code"] == "caller_not_verified"
    assert AuditEvent.objects.filter(action="consult.unmask_refused").count() == 1


def test_verified_caller_is_shown_unmasked(api, ticket, caller):
    assert _verified(api, ticket, caller)["verified"] is True

    response = api.get(f"/consult/tickets/{ticket['id']}/caller", {"unmasked": "true"})

    assert response.status_code == 200
    assert (response.json()["id_number"], response.json()["phone"]) == (caller.id_number, caller.phone)


def test_wrong_answers_lock_verification_after_the_policy_limit(api, ticket, caller):
    api.post(f"/consult/tickets/{ticket['id']}/consent")
    api.post(f"/consult/tickets/{ticket['id']}/lookup", {"kind": "id_number", "value": caller.id_number})
    wrong = {"id_last6": "000000", "birth_date": caller.birth_date.isoformat()}

    answers = [api.post(f"/consult/tickets/{ticket['id']}/verify", wrong) for _ in range(4)]

    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (422, "verification_failed"),
        (422, "verification_failed"),
        (409, "verification_locked"),
        (409, "verification_locked"),
    ]
    assert answers[0].json()["details"] == {"attempts_left": 2}
    right = {"id_last6": caller.id_number[-6:], "birth_date": caller.birth_date.isoformat()}
    assert api.post(f"/consult/tickets/{ticket['id']}/verify", right).json()["code"] == "verification_locked"
    assert AuditEvent.objects.filter(action="consult.caller_verification_failed").count() == 3


def test_answer_from_the_knowledge_base_in_the_callers_language(api, ticket):
    article = cf.article(
        "hotline", cf.five(en="Hotline?", ru="Горячая линия?"), cf.five(en="24/7.", ru="Круглосуточно.")
    )
    ru_ticket = api.post("/consult/tickets", {"language": "ru"}).json()

    response = api.post(f"/consult/tickets/{ru_ticket['id']}/answers", {"article_id": article.pk})

    assert response.status_code == 200
    assert response.json()["article"]["answer"] == "Круглосуточно."
    assert response.json()["ticket"]["articles"] == ["hotline"]


def test_booking_for_the_caller_needs_verification(api, ticket, caller, jinan_hall):
    slot = cf.bookable_slot(jinan_hall, TUESDAY)
    api.post(f"/consult/tickets/{ticket['id']}/consent")
    api.post(f"/consult/tickets/{ticket['id']}/lookup", {"kind": "id_number", "value": caller.id_number})

    response = api.post(
        f"/consult/tickets/{ticket['id']}/appointments",
        {"slot_id": slot.pk, "service": "passport.renewal"},
        headers={"Idempotency-Key": "k1"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "caller_not_verified"
    assert Appointment.objects.count() == 0


def test_agent_books_and_cancels_for_a_verified_caller_through_booking_rules(api, ticket, caller, jinan_hall):
    slot = cf.bookable_slot(jinan_hall, TUESDAY, capacity=1)
    _verified(api, ticket, caller)
    path = f"/consult/tickets/{ticket['id']}/appointments"
    body = {"slot_id": slot.pk, "service": "passport.renewal"}

    first = api.post(path, body, headers={"Idempotency-Key": "call-1"})
    retry = api.post(path, body, headers={"Idempotency-Key": "call-1"})

    assert first.status_code == 201, first.content
    assert retry.json()["id"] == first.json()["id"]
    appointment = Appointment.objects.get()
    assert appointment.user.person == caller
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert AuditEvent.objects.filter(action="consult.booked_for_caller").count() == 2

    cancelled = api.delete(f"{path}/{appointment.pk}")

    assert cancelled.status_code == 204
    assert Appointment.objects.get().status == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_full_slot_is_refused_for_the_caller_too(api, ticket, caller, jinan_hall):
    slot = cf.bookable_slot(jinan_hall, TUESDAY, capacity=1)
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    _verified(api, ticket, caller)

    response = api.post(
        f"/consult/tickets/{ticket['id']}/appointments",
        {"slot_id": slot.pk, "service": "passport.renewal"},
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slot_full"


def test_closing_logs_category_and_outcome_and_a_closed_ticket_stays_closed(api, ticket):
    path = f"/consult/tickets/{ticket['id']}"

    closed = api.post(f"{path}/close", {"category": "information", "outcome": "answered", "summary": "Fees."})
    again = api.post(f"{path}/close", {"category": "information", "outcome": "answered"})

    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["category"], closed.json()["outcome"]) == (
        "closed",
        "information",
        "answered",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_another_agents_ticket_is_not_found(auth, ticket):
    api = auth(f.staff(Role.HOTLINE_AGENT))

    assert api.get(f"/consult/tickets/{ticket['id']}").status_code == 404


def test_escalated_ticket_is_seen_and_closed_only_by_supervisors_of_that_point(
    auth, agent, ticket, jinan_hall
):
    other_hall = f.hall("jinan-other")
    api = auth(agent)
    escalated = api.post(
        f"/consult/tickets/{ticket['id']}/escalate",
        {"service_point_id": jinan_hall.pk, "category": "complaint", "note": "Call the applicant back."},
    )
    assert escalated.status_code == 200
    assert escalated.json()["status"] == "escalated"

    outsider = auth(f.staff(Role.SUPERVISOR, other_hall))
    assert outsider.get("/consult/escalations").json() == []
    refused = outsider.post(f"/consult/escalations/{ticket['id']}/resolve", {"resolution": "Done."})
    assert refused.status_code == 404

    supervisor = auth(f.staff(Role.SUPERVISOR, jinan_hall))
    assert [t["number"] for t in supervisor.get("/consult/escalations").json()] == [ticket["number"]]
    resolved = supervisor.post(f"/consult/escalations/{ticket['id']}/resolve", {"resolution": "Called back."})

    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolution"]) == ("closed", "Called back.")
    assert supervisor.get("/consult/escalations").json() == []
