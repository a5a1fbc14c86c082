"""The admin routes every calendar change through the audited services."""

import datetime as dt

import pytest

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.workdays.models import CalendarYear, DayKind, DayOverride
from exitentry.workdays.tests.factories import NATIONAL_DAY_NAMES, CalendarYearFactory, DayOverrideFactory

pytestmark = pytest.mark.django_db

ADD_OVERRIDE = "/admin/workdays/dayoverride/add/"


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def override_form(day="2027-10-01", kind="holiday", names=NATIONAL_DAY_NAMES, note=""):
    data = {"date": day, "kind": kind, "note": note}
    for code, name in names.items():
        data["name_" + code.replace("-", "_")] = name
    return data


def test_adding_an_override_in_the_admin_writes_an_audit_event(client, superuser):
    response = client.post(ADD_OVERRIDE, override_form(note="国办发明电〔2026〕"))

    assert response.status_code == 302
    override = DayOverride.objects.get()
    assert (override.date, override.kind, override.names) == (
        dt.date(2027, 10, 1),
        DayKind.HOLIDAY,
        NATIONAL_DAY_NAMES,
    )
    event = AuditEvent.objects.get(action="calendar.override_saved")
    assert (event.actor, event.object_id) == (superuser, str(override.pk))
    assert event.summary["after"]["note"] == "国办发明电〔2026〕"


def test_admin_refuses_a_holiday_without_every_name(client, superuser):
    names = {**NATIONAL_DAY_NAMES, "ko": ""}

    response = client.post(ADD_OVERRIDE, override_form(names=names), headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name_ko": ["Give the holiday's name in every language."]
    }
    assert not DayOverride.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_changing_an_override_in_the_admin_records_before_and_after(client, superuser):
    override = DayOverrideFactory(date=dt.date(2027, 10, 1))

    response = client.post(
        f"/admin/workdays/dayoverride/{override.pk}/change/", override_form(day="2027-10-02")
    )

    assert response.status_code == 302
    assert DayOverride.objects.get().date == dt.date(2027, 10, 2)
    event = AuditEvent.objects.get(action="calendar.override_saved")
    assert (event.summary["before"]["date"], event.summary["after"]["date"]) == ("2027-10-01", "2027-10-02")


def test_deleting_overrides_in_the_admin_is_audited_one_by_one(client, superuser):
    first = DayOverrideFactory(date=dt.date(2027, 10, 1))
    second = DayOverrideFactory(date=dt.date(2027, 10, 2))

    response = client.post(
        "/admin/workdays/dayoverride/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not DayOverride.objects.exists()
    deleted = AuditEvent.objects.filter(action="calendar.override_deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted([str(first.pk), str(second.pk)])


def test_deleting_one_override_from_its_page_is_audited(client, superuser):
    override = DayOverrideFactory(date=dt.date(2027, 10, 1))

    response = client.post(f"/admin/workdays/dayoverride/{override.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="calendar.override_deleted", actor=superuser).count() == 1


def test_declaring_a_year_in_the_admin_is_audited(client, superuser):
    DayOverrideFactory(date=dt.date(2027, 10, 1))

    response = client.post(
        "/admin/workdays/calendaryear/add/", {"year": "2027", "source": "国办发明电〔2026〕号"}
    )

    assert response.status_code == 302
    assert CalendarYear.objects.get().year == 2027
    event = AuditEvent.objects.get(action="calendar.year_declared")
    assert event.actor == superuser
    assert event.summary["after"] == {"year": 2027, "source": "国办发明电〔2026〕号", "holidays": 1}


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2026", "The official calendar already covers 2026; enter changes as overrides."),
        ("2027", "Enter the public holidays of 2027 as overrides before declaring the year."),
    ],
)
def test_admin_refuses_to_declare_a_covered_year_or_one_without_holidays(client, superuser, year, message):
    response = client.post(
        "/admin/workdays/calendaryear/add/",
        {"year": year, "source": "notice"},
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"year": [message]}
    assert not CalendarYear.objects.exists()


def test_a_declared_year_cannot_be_edited_only_withdrawn(client, superuser):
    declared = CalendarYearFactory(year=2027)
    DayOverrideFactory(date=dt.date(2027, 10, 1))

    edit = client.post(f"/admin/workdays/calendaryear/{declared.pk}/change/", {"year": "2028", "source": "x"})
    withdraw = client.post(f"/admin/workdays/calendaryear/{declared.pk}/delete/", {"post": "yes"})

    assert edit.status_code == 403
    assert withdraw.status_code == 302
    assert not CalendarYear.objects.exists()
    assert AuditEvent.objects.filter(action="calendar.year_withdrawn", actor=superuser).count() == 1


def test_admin_lists_render(client, superuser):
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    CalendarYearFactory(year=2027)

    assert client.get("/admin/workdays/dayoverride/").status_code == 200
    assert client.get("/admin/workdays/calendaryear/").status_code == 200
    assert client.get(ADD_OVERRIDE).status_code == 200
