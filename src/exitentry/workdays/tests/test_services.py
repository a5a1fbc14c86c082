"""Calendar changes through the audited services, and properties of the arithmetic."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.core.errors import InvalidInput, NotFound
from exitentry.workdays import services
from exitentry.workdays.models import CalendarYear, DayKind, DayOverride
from exitentry.workdays.services import (
    CalendarUnknownYear,
    CalendarYearAlreadyDeclared,
    CalendarYearOfficial,
    CalendarYearOutOfRange,
    CalendarYearWithoutHolidays,
    OverrideNamesMissing,
    add_calendar_days,
    add_working_days,
    is_working_day,
    working_days_between,
)
from exitentry.workdays.tests.factories import NATIONAL_DAY_NAMES, CalendarYearFactory, DayOverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(username="calendar-admin", role="admin", is_staff=True, is_superuser=True)


# --- Arithmetic -----------------------------------------------------------------------------------


def test_add_working_days_counts_the_makeup_saturday_after_national_day():
    # 8 Oct (Thu), 9 Oct (Fri), then Saturday 10 Oct 2026 is a make-up working day.
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)


def test_add_calendar_days_ignores_holidays():
    assert add_calendar_days(dt.date(2026, 9, 30), 20) == dt.date(2026, 10, 20)


def test_add_calendar_days_refuses_negative_days():
    with pytest.raises(InvalidInput):
        add_calendar_days(dt.date(2026, 9, 30), -1)


def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 15)) == 7
    assert working_days_between(dt.date(2026, 10, 15), dt.date(2026, 9, 30)) == 0


def test_month_days_lists_every_day_of_february_2026():
    days = services.month_days(2026, 2)

    assert [d.date.day for d in days] == list(range(1, 29))
    assert [d.date for d in days if d.is_makeup_workday] == [dt.date(2026, 2, 14), dt.date(2026, 2, 28)]


def test_an_override_in_an_undeclared_year_does_not_make_the_year_known():
    DayOverrideFactory(date=dt.date(2027, 10, 1))

    with pytest.raises(CalendarUnknownYear):
        is_working_day(dt.date(2027, 10, 1))


def test_a_long_run_of_holiday_overrides_is_crossed_correctly():
    # Ten weeks of holidays in a declared year: the search must look past its first window.
    start = dt.date(2027, 3, 1)
    for offset in range(1, 71):
        DayOverrideFactory(date=start + dt.timedelta(days=offset), kind=DayKind.HOLIDAY)
    CalendarYearFactory(year=2027)

    assert add_working_days(start, 1) == dt.date(2027, 5, 11)


# Dates the library covers, leaving room for the answer to stay inside 2026.
starts = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2025, 12, 31))
counts = st.integers(min_value=0, max_value=200)


@settings(max_examples=60, deadline=None)
@given(start=starts, days=st.integers(min_value=1, max_value=200))
def test_property_due_is_a_working_day_after_the_start(start, days):
    due = add_working_days(start, days)

    assert due > start
    assert is_working_day(due)


@settings(max_examples=60, deadline=None)
@given(start=starts, days=counts, more=st.integers(min_value=0, max_value=30))
def test_property_more_days_never_give_an_earlier_due_date(start, days, more):
    assert add_working_days(start, days) <= add_working_days(start, days + more)
    if more > 0:
        assert add_working_days(start, days) < add_working_days(start, days + more)


@settings(max_examples=60, deadline=None)
@given(start=starts, days=counts)
def test_property_working_days_between_inverts_add_working_days(start, days):
    assert working_days_between(start, add_working_days(start, days)) == days


# --- Overrides ------------------------------------------------------------------------------------


def test_saving_an_override_stores_it_and_writes_an_audit_event(admin_user):
    override = services.save_day_override(
        actor=admin_user,
        date=dt.date(2027, 10, 1),
        kind=DayKind.HOLIDAY,
        names={**NATIONAL_DAY_NAMES, "en": "  National Day  "},
        note="State Council notice",
    )

    assert DayOverride.objects.get().names["en"] == "National Day"
    event = AuditEvent.objects.get(action="calendar.override_saved")
    assert (event.actor, event.object_type, event.object_id) == (
        admin_user,
        "workdays.dayoverride",
        str(override.pk),
    )
    assert event.summary == {
        "after": {
            "date": "2027-10-01",
            "kind": "holiday",
            "names": NATIONAL_DAY_NAMES,
            "note": "State Council notice",
        }
    }


def test_saving_the_same_date_again_replaces_the_override_and_records_before(admin_user):
    first = services.save_day_override(
        actor=admin_user, date=dt.date(2027, 2, 20), kind=DayKind.WORKDAY, names={}
    )
    second = services.save_day_override(
        actor=admin_user, date=dt.date(2027, 2, 20), kind=DayKind.HOLIDAY, names=NATIONAL_DAY_NAMES
    )

    assert second.pk == first.pk
    assert DayOverride.objects.get().kind == DayKind.HOLIDAY
    latest = AuditEvent.objects.filter(action="calendar.override_saved").order_by("id").last()
    assert latest.summary["before"]["kind"] == "workday"
    assert latest.summary["after"]["kind"] == "holiday"


def test_changing_an_overrides_date_moves_it(admin_user):
    override = DayOverrideFactory(date=dt.date(2027, 10, 1))

    services.save_day_override(
        actor=admin_user,
        date=dt.date(2027, 10, 2),
        kind=DayKind.HOLIDAY,
        names=NATIONAL_DAY_NAMES,
        override_id=override.pk,
    )

    assert list(DayOverride.objects.values_list("date", flat=True)) == [dt.date(2027, 10, 2)]


def test_a_holiday_override_needs_its_name_in_all_five_languages(admin_user):
    names = {"zh-hans": "国庆节", "en": "National Day"}

    with pytest.raises(OverrideNamesMissing) as raised:
        services.save_day_override(actor=admin_user, date=dt.date(2027, 10, 1), kind="holiday", names=names)

    assert raised.value.details == {"field": "names", "missing": ["ru", "ja", "ko"]}
    assert not DayOverride.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()


def test_a_workday_override_may_have_no_names_but_not_some():
    assert services.clean_override(dt.date(2027, 2, 20), "workday", {}) == {}
    with pytest.raises(OverrideNamesMissing):
        services.clean_override(dt.date(2027, 2, 20), "workday", {"en": "Spring Festival"})


@pytest.mark.parametrize(
    ("day", "kind", "error"),
    [
        (dt.date(2027, 10, 1), "day_off", InvalidInput),
        (dt.date(1999, 10, 1), "holiday", CalendarYearOutOfRange),
        (dt.date(2101, 10, 1), "holiday", CalendarYearOutOfRange),
    ],
)
def test_an_override_with_a_bad_kind_or_year_is_refused(admin_user, day, kind, error):
    with pytest.raises(error):
        services.save_day_override(actor=admin_user, date=day, kind=kind, names=NATIONAL_DAY_NAMES)


def test_deleting_an_override_restores_the_official_answer_and_is_audited(admin_user):
    override = DayOverrideFactory(date=dt.date(2026, 10, 1), kind=DayKind.WORKDAY, names={})
    assert is_working_day(dt.date(2026, 10, 1)) is True

    services.delete_day_override(actor=admin_user, override_id=override.pk)

    assert is_working_day(dt.date(2026, 10, 1)) is False
    event = AuditEvent.objects.get(action="calendar.override_deleted")
    assert event.summary["before"]["date"] == "2026-10-01"


def test_deleting_a_missing_override_is_not_found(admin_user):
    with pytest.raises(NotFound):
        services.delete_day_override(actor=admin_user, override_id=12345)


# --- Declared years -------------------------------------------------------------------------------


def test_declaring_a_year_with_holidays_entered_makes_it_known_and_is_audited(admin_user):
    DayOverrideFactory(date=dt.date(2027, 10, 1))

    declared = services.declare_calendar_year(actor=admin_user, year=2027, source="  通知 2027  ")

    assert declared.source == "通知 2027"
    assert is_working_day(dt.date(2027, 3, 1)) is True
    event = AuditEvent.objects.get(action="calendar.year_declared")
    assert event.summary == {"after": {"year": 2027, "source": "通知 2027", "holidays": 1}}


def test_declaring_a_year_the_library_covers_is_refused(admin_user):
    with pytest.raises(CalendarYearOfficial) as raised:
        services.declare_calendar_year(actor=admin_user, year=2026, source="notice")

    assert raised.value.status == 409
    assert not CalendarYear.objects.exists()


def test_declaring_a_year_without_any_holiday_overrides_is_refused(admin_user):
    DayOverrideFactory(date=dt.date(2027, 2, 20), kind=DayKind.WORKDAY, names={})

    with pytest.raises(CalendarYearWithoutHolidays):
        services.declare_calendar_year(actor=admin_user, year=2027, source="notice")


def test_declaring_a_year_twice_is_refused(admin_user):
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    services.declare_calendar_year(actor=admin_user, year=2027, source="notice")

    with pytest.raises(CalendarYearAlreadyDeclared):
        services.declare_calendar_year(actor=admin_user, year=2027, source="notice")

    assert CalendarYear.objects.count() == 1


def test_declaring_needs_a_source(admin_user):
    DayOverrideFactory(date=dt.date(2027, 10, 1))

    with pytest.raises(InvalidInput) as raised:
        services.declare_calendar_year(actor=admin_user, year=2027, source="   ")

    assert raised.value.details == {"field": "source"}


def test_withdrawing_a_year_makes_it_unknown_again_and_is_audited(admin_user):
    DayOverrideFactory(date=dt.date(2027, 10, 1))
    CalendarYearFactory(year=2027)

    services.withdraw_calendar_year(actor=admin_user, year=2027)

    with pytest.raises(CalendarUnknownYear):
        is_working_day(dt.date(2027, 3, 1))
    assert AuditEvent.objects.get(action="calendar.year_withdrawn").summary["before"]["year"] == 2027


def test_year_coverage_says_where_a_years_days_come_from():
    CalendarYearFactory(year=2027, source="notice 2027")

    assert services.year_coverage(2026).official is True
    assert services.year_coverage(2027).declared_source == "notice 2027"
    assert services.year_coverage(2028).known is False
