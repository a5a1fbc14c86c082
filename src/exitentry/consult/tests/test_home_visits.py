from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from exitentry.accounts.models import Role
from exitentry.applications.models import Application
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.consult.models import ConsultPolicy, HomeVisitRequest
from exitentry.consult.tests import factories as cf
from exitentry.core import clock

TUESDAY = dt.date(2026, 9, 22)


def _form(point, **fields):
    body = {
        "ground": "age",
        "services": ["passport.first_issue"],
        "address": "8 Quancheng Road, Jinan",
        "phone": "13900001111",
        "service_point_id": point.pk,
        "latitude": "36.660000",
        "longitude": "117.010000",
    }
    body.update(fields)
    return body


def _post(client, headers, body, proof=None):
    data = dict(body)
    if proof is not None:
        data["proof"] = proof
    return client.post("/api/v1/consult/home-visits", data, headers=headers)


@pytest.fixture
def senior():
    owner = f.person(age=65)
    return f.applicant(owner)


def test_a_65_year_old_asks_for_a_home_visit_without_proof(client, senior, jinan_hall):
    response = _post(client, f.bearer(senior), _form(jinan_hall))

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["ground"]) == ("requested", "age")
    assert AuditEvent.objects.filter(action="consult.home_visit_requested").count() == 1


def test_age_ground_is_checked_against_the_record(client, jinan_hall):
    young = f.applicant(f.person(age=45))

    response = _post(client, f.bearer(young), _form(jinan_hall))

    assert response.status_code == 422
    assert response.json()["code"] == "not_eligible_for_home_visit"
    assert response.json()["details"]["reason"] == "too_young"
    assert HomeVisitRequest.objects.count() == 0


def test_the_minimum_age_is_policy_data(client, jinan_hall):
    ConsultPolicy.objects.update(home_visit_min_age=40)
    younger = f.applicant(f.person(age=45))

    assert _post(client, f.bearer(younger), _form(jinan_hall)).status_code == 201


def test_disability_needs_a_proof_document(client, jinan_hall):
    user = f.applicant(f.person(age=30))
    headers = f.bearer(user)

    missing = _post(client, headers, _form(jinan_hall, ground="disability"))
    fake = _post(client, headers, _form(jinan_hall, ground="disability"), proof=_file(b"not a pdf", "x.pdf"))
    good = _post(client, headers, _form(jinan_hall, ground="disability"), proof=_file(f.pdf(), "card.pdf"))

    assert (missing.status_code, missing.json()["code"]) == (422, "proof_required")
    assert (fake.status_code, fake.json()["code"]) == (422, "unsupported_file_type")
    assert good.status_code == 201, good.content
    assert HomeVisitRequest.objects.get().proof_content_type == "application/pdf"


def test_a_group_must_be_larger_than_twenty(client, jinan_hall):
    user = f.applicant(f.person(age=30))
    headers = f.bearer(user)
    letter = _file(f.pdf(), "letter.pdf")

    small = _post(
        client, headers, _form(jinan_hall, ground="group", group_size=20, organisation="Acme"), proof=letter
    )
    large = _post(
        client,
        headers,
        _form(jinan_hall, ground="group", group_size=21, organisation="Acme"),
        proof=_file(f.pdf(), "letter.pdf"),
    )

    assert (small.status_code, small.json()["details"]["reason"]) == (422, "group_too_small")
    assert large.status_code == 201, large.content


def test_a_service_not_offered_at_home_is_refused(client, senior, jinan_hall):
    response = _post(client, f.bearer(senior), _form(jinan_hall, services=["hk_macau_endorsement.G"]))

    assert response.status_code == 422
    assert response.json()["code"] == "service_not_offered_at_home"


def _file(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def accepted(client, senior, jinan_hall):
    _post(client, f.bearer(senior), _form(jinan_hall))
    visit = HomeVisitRequest.objects.get()
    officer = f.staff(Role.OFFICER, jinan_hall)
    cf.services.decide_home_visit(visit, officer=officer, accept=True)
    return visit, officer


def test_refusal_needs_a_reason_and_the_applicant_sees_it(api, senior, jinan_hall, client):
    _post(client, f.bearer(senior), _form(jinan_hall))
    visit = HomeVisitRequest.objects.get()
    api.headers = f.bearer(f.staff(Role.OFFICER, jinan_hall))

    without = api.post(f"/consult/home-visits/{visit.pk}/decision", {"accept": False})
    refused = api.post(
        f"/consult/home-visits/{visit.pk}/decision", {"accept": False, "reason": "Address outside the city."}
    )

    assert (without.status_code, without.json()["code"]) == (422, "reason_required")
    assert refused.status_code == 200
    api.headers = f.bearer(senior)
    assert [(v["status"], v["refusal_reason"]) for v in api.get("/consult/home-visits").json()] == [
        ("refused", "Address outside the city.")
    ]


def test_an_officer_of_another_point_cannot_see_the_request(api, client, senior, jinan_hall):
    _post(client, f.bearer(senior), _form(jinan_hall))
    api.headers = f.bearer(f.staff(Role.OFFICER, f.hall("elsewhere")))

    visit = HomeVisitRequest.objects.get()
    response = api.post(f"/consult/home-visits/{visit.pk}/decision", {"accept": True})

    assert response.status_code == 404


def test_visits_of_a_team_are_placed_one_after_another_with_travel_time(
    api, accepted, jinan_hall, client, senior
):
    visit, officer = accepted
    team = cf.team(jinan_hall)
    api.headers = f.bearer(officer)

    first = api.post(
        f"/consult/home-visits/{visit.pk}/schedule", {"team_id": team.pk, "day": TUESDAY.isoformat()}
    )

    assert first.status_code == 200, first.content
    # Hall at (36.65, 117.00) → (36.66, 117.01) is 1.43 km: 3 minutes at 30 km/h.
    assert first.json()["travel_minutes"] == 3
    assert first.json()["visit_start"] == "2026-09-22T09:03:00+08:00"
    assert first.json()["visit_end"] == "2026-09-22T09:48:00+08:00"

    second_person = f.applicant(f.person(age=70))
    _post(client, f.bearer(second_person), _form(jinan_hall, latitude="36.750000", longitude="117.000000"))
    second = HomeVisitRequest.objects.exclude(pk=visit.pk).get()
    cf.services.decide_home_visit(second, officer=officer, accept=True)

    placed = api.post(
        f"/consult/home-visits/{second.pk}/schedule", {"team_id": team.pk, "day": TUESDAY.isoformat()}
    )

    # From the first visit to (36.75, 117.00): 10.05 km, 21 minutes after it ends at 09:48.
    assert placed.json()["travel_minutes"] == 21
    assert placed.json()["visit_start"] == "2026-09-22T10:09:00+08:00"


def test_a_visit_that_would_not_fit_the_teams_hours_is_refused(api, accepted, jinan_hall):
    visit, officer = accepted
    short = cf.team(jinan_hall, code="short", starts=9, ends=10)
    HomeVisitRequest.objects.filter(pk=visit.pk).update(
        latitude=Decimal("37.000000"), longitude=Decimal("117.000000")
    )
    api.headers = f.bearer(officer)

    response = api.post(
        f"/consult/home-visits/{visit.pk}/schedule", {"team_id": short.pk, "day": TUESDAY.isoformat()}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "team_day_full"
    assert HomeVisitRequest.objects.get().status == "accepted"


def test_the_visit_files_an_application_with_the_home_service_channel(api, accepted, jinan_hall, senior):
    visit, officer = accepted
    team = cf.team(jinan_hall)
    cf.services.schedule_visit(visit, officer=officer, team_id=team.pk, day=TUESDAY)
    api.headers = f.bearer(officer)
    path = f"/consult/home-visits/{visit.pk}/applications"

    first = api.post(path, {"services": ["passport.first_issue"]}, headers={"Idempotency-Key": "v1"})
    retry = api.post(path, {"services": ["passport.first_issue"]}, headers={"Idempotency-Key": "v1"})

    assert first.status_code == 201, first.content
    assert first.json()["channel"] == "home_service"
    assert first.json()["visit"]["status"] == "visited"
    assert retry.json()["number"] == first.json()["number"]
    application = Application.objects.get()
    assert (application.channel, application.person_id, application.service_point_id) == (
        "home_service",
        senior.person_id,
        jinan_hall.pk,
    )
    assert application.delivery_address == "8 Quancheng Road, Jinan"


def test_scheduling_on_a_past_day_is_refused(accepted, jinan_hall):
    visit, officer = accepted
    team = cf.team(jinan_hall)

    with pytest.raises(cf.services.VisitDayInPast):
        cf.services.schedule_visit(visit, officer=officer, team_id=team.pk, day=clock.today())


def test_a_visit_cannot_be_scheduled_twice(api, accepted, jinan_hall):
    visit, officer = accepted
    team = cf.team(jinan_hall)
    api.headers = f.bearer(officer)
    body = {"team_id": team.pk, "day": TUESDAY.isoformat()}

    first = api.post(f"/consult/home-visits/{visit.pk}/schedule", body)
    second = api.post(f"/consult/home-visits/{visit.pk}/schedule", body)

    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (409, "invalid_transition")
    assert HomeVisitRequest.objects.filter(team=team).count() == 1


def test_home_visit_pages_are_for_their_roles(client, senior, jinan_hall):
    from exitentry.accounts.tests.factories import PASSWORD

    client.login(username=senior.username, password=PASSWORD)

    assert client.get("/help/home-visits/").status_code == 200
    assert client.get("/help/home-visits/manage/").status_code == 403
    assert client.get("/help/hotline/").status_code == 403


def test_demo_seed_gives_every_hall_one_mobile_team(jinan_hall):
    from exitentry.consult.demo import seed_mobile_teams
    from exitentry.consult.models import MobileTeam

    assert seed_mobile_teams() == 1
    assert seed_mobile_teams() == 0
    team = MobileTeam.objects.get()
    assert (team.service_point, team.day_starts, team.day_ends) == (jinan_hall, dt.time(9, 0), dt.time(17, 0))
    assert cf.services.missing_languages(team.names) == []
