from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.models import Role
from exitentry.applications import services, tasks
from exitentry.applications.models import Application, SlaFlag
from exitentry.applications.tests import factories as f
from exitentry.notifications.models import Notification
from exitentry.workdays.services import declare_calendar_year, save_day_override

# Accepted Monday 2026-09-21 with 7 working days: due Thursday 2026-10-08.
ACCEPTED = dt.date(2026, 9, 21)
DUE = dt.date(2026, 10, 8)


def item_due(point, **fields):
    return f.make_item(f.person(), point, accepted_on=ACCEPTED, promised_date=DUE, **fields)


def test_time_used_counts_working_days():
    item = f.make_item(f.person(), f.hall("any"), accepted_on=ACCEPTED, promised_date=DUE)

    assert services.time_used(item, dt.date(2026, 9, 24)) == 3 / services.Decimal(7)
    assert services.time_used(item, dt.date(2026, 10, 7)) == 6 / services.Decimal(7)
    assert services.time_used(item, DUE) == 1


def test_an_item_is_flagged_at_80_percent_and_again_at_breach(
    jinan_hall, supervisor, django_capture_on_commit_callbacks
):
    item = item_due(jinan_hall)

    with django_capture_on_commit_callbacks(execute=True):
        early = services.sla_watch(dt.date(2026, 9, 28))
        warning = services.sla_watch(dt.date(2026, 9, 30))  # 6 of 7 working days
        breach = services.sla_watch(dt.date(2026, 10, 9))

    assert early.as_dict() == {"promises_set": 0, "checked": 1, "warnings": 0, "breaches": 0}
    assert warning.as_dict() == {"promises_set": 0, "checked": 1, "warnings": 1, "breaches": 0}
    assert breach.as_dict() == {"promises_set": 0, "checked": 1, "warnings": 0, "breaches": 1}
    assert sorted(SlaFlag.objects.filter(item=item).values_list("level", flat=True)) == ["breach", "warning"]
    sent = Notification.objects.filter(recipient_user=supervisor)
    assert sorted(sent.values_list("template_code", "channel")) == [
        ("sla_breached", "in_app"),
        ("sla_breached", "sms"),
        ("sla_warning", "in_app"),
        ("sla_warning", "sms"),
    ]


def test_rerunning_the_watch_adds_no_second_flag_or_message(
    jinan_hall, supervisor, django_capture_on_commit_callbacks
):
    item_due(jinan_hall)

    with django_capture_on_commit_callbacks(execute=True):
        services.sla_watch(dt.date(2026, 10, 9))
        again = services.sla_watch(dt.date(2026, 10, 9))

    assert again.as_dict() == {"promises_set": 0, "checked": 1, "warnings": 0, "breaches": 0}
    assert SlaFlag.objects.count() == 2
    breached = Notification.objects.filter(recipient_user=supervisor, template_code="sla_breached")
    assert sorted(breached.values_list("channel", flat=True)) == ["in_app", "sms"]


def test_only_supervisors_of_the_items_service_point_are_told(
    jinan_hall, qingdao_hall, supervisor, django_capture_on_commit_callbacks
):
    elsewhere = f.staff(Role.SUPERVISOR, qingdao_hall)
    item_due(jinan_hall)

    with django_capture_on_commit_callbacks(execute=True):
        services.sla_watch(dt.date(2026, 10, 9))

    assert Notification.objects.filter(recipient_user=supervisor).exists()
    assert not Notification.objects.filter(recipient_user=elsewhere).exists()


def test_finished_and_unaccepted_items_are_not_watched(jinan_hall):
    item_due(jinan_hall, status="ready_for_pickup")
    item_due(jinan_hall, status="awaiting_payment")
    f.make_item(f.person(), jinan_hall)

    assert services.sla_watch(dt.date(2026, 10, 20)).as_dict() == {
        "promises_set": 0,
        "checked": 0,
        "warnings": 0,
        "breaches": 0,
    }


def test_the_periodic_task_runs_the_watch(jinan_hall, clock):
    item_due(jinan_hall)
    clock.move_to(dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC))

    result = tasks.watch_slas.enqueue()

    assert result.return_value == {"promises_set": 0, "checked": 1, "warnings": 1, "breaches": 1}


def test_supervisors_see_the_breaches_of_their_points_only(api, jinan_hall, qingdao_hall, supervisor):
    ours = item_due(jinan_hall)
    item_due(qingdao_hall)
    services.sla_watch(dt.date(2026, 10, 9))

    rows = api.get("/applications/sla-flags", {"level": "breach"}, headers=f.bearer(supervisor)).json()

    assert [(row["item"], row["level"]) for row in rows] == [(ours.pk, "breach")]


def test_officers_cannot_see_the_sla_list(api, officer):
    assert api.get("/applications/sla-flags", headers=f.bearer(officer)).status_code == 403


def test_acceptance_before_the_calendar_knows_next_year_sets_the_date_once_it_is_declared(
    api, client, applicant, jinan_hall, clock
):
    clock.move_to(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC))
    response = api.post(
        "/applications",
        f.application_body(["passport.renewal"], pickup=jinan_hall.pk),
        headers={**f.bearer(applicant), "Idempotency-Key": "new-year"},
    )
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    clock.move_to(dt.datetime(2026, 12, 24, 2, 0, tzinfo=dt.UTC))  # 7 working days now reach into 2027
    for material in ("resident_id_card", "previous_passport"):
        sent = client.post(
            f"/api/v1/applications/{number}/materials",
            {"material": material, "file": SimpleUploadedFile("scan.png", f.png())},
            headers=f.bearer(applicant),
        )
        assert sent.status_code == 201, sent.json()
    item = Application.objects.get(number=number).items.get()
    assert (item.accepted_on, item.promised_date) == (dt.date(2026, 12, 24), None)
    assert services.fill_missing_promises() == 0

    names = {"zh-hans": "元旦", "en": "New Year's Day", "ru": "Новый год", "ja": "元日", "ko": "신정"}
    save_day_override(actor="test", date=dt.date(2027, 1, 1), kind="holiday", names=names)
    declare_calendar_year(actor="test", year=2027, source="State Council notice (test)")

    assert services.fill_missing_promises() == 1
    item.refresh_from_db()
    # 25, 28, 29, 30, 31 December, then 4 and 5 January (the 1st is a holiday, 2nd-3rd a weekend).
    assert item.promised_date == dt.date(2027, 1, 5)
