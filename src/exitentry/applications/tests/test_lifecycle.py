from __future__ import annotations

import itertools

import pytest

from exitentry.applications import lifecycle, services
from exitentry.applications.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    ApplicationItem,
    ItemEvent,
    ItemStatus,
)
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.core.errors import InvalidTransition

ALL = list(ItemStatus.values)
PAIRS = list(itertools.product(ALL, ALL))


@pytest.fixture
def item(resident, jinan_hall):
    return f.make_item(resident, jinan_hall, status="draft")


def test_a_submitted_application_walks_its_first_steps_through_the_table(applicant, jinan_hall):
    submission = services.submit_application(
        submitted_by=applicant,
        form=services.ApplicationForm(
            services=("passport.renewal",),
            pickup_point_id=jinan_hall.pk,
            face_check_reference="sandbox-pass-1",
        ),
        idempotency_key="lifecycle",
    )

    item = submission.application.items.get()
    assert [(e.from_status, e.to_status) for e in item.events.all()] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "awaiting_payment"),
    ]


def test_the_table_covers_every_status_and_names_only_known_ones():
    assert set(TRANSITIONS) == set(ALL)
    assert all(set(targets) <= set(ALL) for targets in TRANSITIONS.values())
    assert set(FINAL_STATUSES) == {"rejected", "delivered", "collected", "withdrawn", "expired"}
    assert "draft" not in ACTIVE_STATUSES


@pytest.mark.parametrize(("current", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_is_allowed_exactly_when_the_table_says_so(item, current, new):
    ApplicationItem.objects.filter(pk=item.pk).update(status=current)
    events_before = ItemEvent.objects.filter(item=item).count()
    audit_before = AuditEvent.objects.filter(object_type="applications.applicationitem").count()

    if new in TRANSITIONS[current]:
        moved = lifecycle.apply_transition(item, new, action="test_move", actor="tester", note="walk")

        assert moved.status == new
        event = ItemEvent.objects.filter(item=item).latest("pk")
        assert (event.from_status, event.to_status, event.action, event.note) == (
            current,
            new,
            "test_move",
            "walk",
        )
        audit = AuditEvent.objects.filter(object_type="applications.applicationitem").latest("pk")
        assert (audit.action, audit.summary["before"], audit.summary["after"]) == (
            "applications.item_test_move",
            {"status": current},
            {"status": new},
        )
    else:
        with pytest.raises(InvalidTransition) as raised:
            lifecycle.apply_transition(item, new, action="test_move", actor="tester")

        assert raised.value.status == 409
        assert raised.value.code == "invalid_transition"
        assert ApplicationItem.objects.get(pk=item.pk).status == current
        assert ItemEvent.objects.filter(item=item).count() == events_before
        assert AuditEvent.objects.filter(object_type="applications.applicationitem").count() == audit_before


def test_a_stale_copy_cannot_move_an_item_twice(item):
    first, second = ApplicationItem.objects.get(pk=item.pk), ApplicationItem.objects.get(pk=item.pk)
    ApplicationItem.objects.filter(pk=item.pk).update(status=ItemStatus.UNDER_REVIEW)

    lifecycle.apply_transition(first, ItemStatus.APPROVED, action="approved", actor="a")
    with pytest.raises(InvalidTransition):
        lifecycle.apply_transition(second, ItemStatus.REJECTED, action="rejected", actor="b")

    assert ApplicationItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED


@pytest.mark.parametrize(
    ("function", "source", "target"),
    [
        (services.submit_item, "draft", "submitted"),
        (services.request_payment, "submitted", "awaiting_payment"),
        (services.record_payment, "awaiting_payment", "paid"),
        (services.start_review, "paid", "under_review"),
        (services.resume_review, "needs_more_materials", "under_review"),
        (services.start_production, "approved", "in_production"),
        (services.mark_delivered, "dispatched", "delivered"),
        (services.withdraw, "under_review", "withdrawn"),
        (services.expire_item, "awaiting_payment", "expired"),
    ],
)
def test_each_named_transition_makes_its_move(item, function, source, target):
    ApplicationItem.objects.filter(pk=item.pk).update(status=source)

    moved = function(item, actor="tester")

    assert moved.status == target
    assert ItemEvent.objects.filter(item=item).latest("pk").to_status == target


def test_an_unknown_status_is_a_programming_error(item):
    with pytest.raises(ValueError, match="unknown item status"):
        lifecycle.apply_transition(item, "teleported", action="x", actor="tester")


def test_the_overall_status_is_the_least_advanced_open_item():
    assert services.overall_status(["under_review", "awaiting_payment"]) == "awaiting_payment"
    assert services.overall_status(["withdrawn", "approved"]) == "approved"
    assert services.overall_status(["withdrawn", "rejected"]) == "rejected"
    assert services.overall_status([]) == "draft"
