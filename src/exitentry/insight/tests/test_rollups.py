"""Rolling a day up from applications, SLA flags, tickets and appointments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from exitentry.applications.models import Application, SlaFlag, SlaLevel
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.insight import rollups
from exitentry.insight.models import HallHourRollup, IssuanceMonthRollup, IssuanceRollup, RollupDay, SlaRollup
from exitentry.queueing.models import Ticket, TicketStatus
from exitentry.queueing.tests.factories import appointment, at, make_hall, walk_in

TODAY = f.TODAY


def _issuance_rows() -> list[tuple[str, str, str, int, int, int, int]]:
    return sorted(
        IssuanceRollup.objects.filter(day=TODAY).values_list(
            "service_point__code",
            "document_type",
            "channel",
            "accepted",
            "approved",
            "rejected",
            "zero_visit",
        )
    )


def test_a_day_is_counted_by_hall_document_type_and_channel() -> None:
    jinan, qingdao = f.hall("jinan-lixia"), f.hall("qingdao-shinan", f.QINGDAO)
    resident = f.person()
    approved = f.make_item(resident, jinan, status="in_production", accepted_on=TODAY)
    Application.objects.filter(pk=approved.application_id).update(zero_visit=True)
    f.make_item(f.person(), jinan, status="rejected", accepted_on=TODAY)
    permit = f.make_item(f.person(), qingdao, service_code="hk_macau_permit.first_issue", accepted_on=TODAY)
    Application.objects.filter(pk=permit.application_id).update(channel="window")
    f.make_item(f.person(), jinan, status="awaiting_payment")  # not accepted: not counted

    summary = rollups.recompute_day(TODAY)

    assert summary.issuance == 2
    assert _issuance_rows() == [
        ("jinan-lixia", "passport", "online", 2, 1, 1, 1),
        ("qingdao-shinan", "hk_macau_permit", "window", 1, 0, 0, 0),
    ]
    assert RollupDay.objects.get(day=TODAY).items == 3
    assert list(IssuanceMonthRollup.objects.values_list("month", "accepted").order_by("accepted")) == [
        (dt.date(2026, 9, 1), 1),
        (dt.date(2026, 9, 1), 2),
    ]


def test_recomputing_a_day_is_idempotent_and_drops_combinations_that_are_gone() -> None:
    jinan = f.hall("jinan-lixia")
    item = f.make_item(f.person(), jinan, accepted_on=TODAY)
    rollups.recompute_day(TODAY)
    rollups.recompute_day(TODAY)

    assert _issuance_rows() == [("jinan-lixia", "passport", "online", 1, 0, 0, 0)]
    assert AuditEvent.objects.filter(action="insight.day_rolled_up").count() == 1  # the rerun changed nothing

    Application.objects.filter(pk=item.application_id).update(channel="kiosk")
    rollups.recompute_day(TODAY)

    assert _issuance_rows() == [("jinan-lixia", "passport", "kiosk", 1, 0, 0, 0)]
    assert AuditEvent.objects.filter(action="insight.day_rolled_up").count() == 2
    assert list(IssuanceMonthRollup.objects.values_list("channel", "accepted")) == [("kiosk", 1)]


def test_promised_dates_count_items_due_and_breaches() -> None:
    jinan = f.hall("jinan-lixia")
    due = TODAY - dt.timedelta(days=1)
    late = f.make_item(f.person(), jinan, status="under_review", promised_date=due)
    f.make_item(f.person(), jinan, status="ready_for_pickup", promised_date=due)
    f.make_item(f.person(), jinan, status="withdrawn", promised_date=due)  # no longer owed
    SlaFlag.objects.create(
        item=late, level=SlaLevel.BREACH, flagged_at=f.MONDAY_10, promised_date=due, used_percent=101
    )
    SlaFlag.objects.create(
        item=late, level=SlaLevel.WARNING, flagged_at=f.MONDAY_10, promised_date=due, used_percent=80
    )

    rollups.recompute_day(due)

    assert list(SlaRollup.objects.values_list("day", "document_type", "due", "warned", "breached")) == [
        (due, "passport", 2, 1, 1)
    ]


def test_hall_hours_count_tickets_waits_and_appointments_not_kept() -> None:
    hall = make_hall(code="jinan-queue")
    first, second = walk_in(hall), walk_in(hall)
    Ticket.objects.filter(pk=first.pk).update(wait_seconds=300, status=TicketStatus.DONE)
    Ticket.objects.filter(pk=second.pk).update(status=TicketStatus.NO_SHOW)
    kept = appointment(hall, at(11))
    missed = appointment(hall, at(11, 30))
    kept.status, missed.status = "completed", "no_show"
    kept.save(update_fields=["status"])
    missed.save(update_fields=["status"])

    rollups.recompute_day(TODAY)

    assert list(
        HallHourRollup.objects.order_by("hour").values_list(
            "hour",
            "weekday",
            "tickets",
            "served",
            "wait_seconds",
            "ticket_no_shows",
            "appointments",
            "appointment_no_shows",
        )
    ) == [(10, 0, 2, 1, 300, 1, 0, 0), (11, 0, 0, 0, 0, 0, 2, 1)]


def test_backfill_command_rolls_up_every_day_and_refuses_a_reversed_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    jinan = f.hall("jinan-lixia")
    f.make_item(f.person(), jinan, accepted_on=TODAY)

    call_command("insight_rollup", "--from", "2026-09-19", "--to", "2026-09-21")

    assert "Rolled up 3 days (2026-09-19 to 2026-09-21)" in capsys.readouterr().out
    assert list(RollupDay.objects.order_by("day").values_list("day", "items")) == [
        (dt.date(2026, 9, 1), 0),
        (dt.date(2026, 9, 19), 0),
        (dt.date(2026, 9, 20), 0),
        (dt.date(2026, 9, 21), 1),
    ]
    with translation.override("en"), pytest.raises(CommandError, match="must not be after"):
        call_command("insight_rollup", "--from", "2026-09-21", "--to", "2026-09-20")


def test_the_periodic_refresh_covers_recent_days_and_promised_dates_ahead() -> None:
    refreshed = rollups.refresh_recent()

    assert refreshed[0].day == TODAY - dt.timedelta(days=3)
    assert refreshed[-1].day == TODAY + dt.timedelta(days=30)
