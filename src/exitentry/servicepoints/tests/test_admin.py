from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.servicepoints import services
from exitentry.servicepoints.models import CapacityPlan, Slot
from exitentry.servicepoints.tests.factories import CapacityPlanFactory, hall_with_weekday_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> Any:
    return UserFactory(is_staff=True, is_superuser=True, role="admin")


@time_machine.travel(dt.datetime(2026, 9, 20, 23, 0, tzinfo=dt.UTC), tick=False)
def test_saving_a_plan_is_audited_and_regenerates_slots_after_commit(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hall = hall_with_weekday_hours()
    plan = CapacityPlanFactory.build(service_point=hall, capacity_per_slot=3)

    with django_capture_on_commit_callbacks(execute=True):
        services.save_network_record(plan, actor=admin_user)

    event = AuditEvent.objects.get(action="servicepoints.capacityplan_created")
    assert (event.actor, event.object_id) == (admin_user, str(plan.pk))
    assert event.summary["after"]["capacity_per_slot"] == 3
    assert (
        Slot.objects.filter(service_point=hall).count() == 17 * 8
    )  # working days in the next 30, 8 slots each
    assert set(Slot.objects.values_list("capacity", flat=True)) == {3}


def test_changing_and_deleting_record_before_and_after(admin_user: Any) -> None:
    plan = CapacityPlanFactory(capacity_per_slot=3)
    plan.capacity_per_slot = 5

    services.save_network_record(plan, actor=admin_user)
    services.delete_network_record(plan, actor=admin_user)

    changed = AuditEvent.objects.get(action="servicepoints.capacityplan_changed")
    deleted = AuditEvent.objects.get(action="servicepoints.capacityplan_deleted")
    assert (
        changed.summary["before"]["capacity_per_slot"],
        changed.summary["after"]["capacity_per_slot"],
    ) == (3, 5)
    assert deleted.summary["before"]["capacity_per_slot"] == 5
    assert not CapacityPlan.objects.exists()


def test_admin_pages_for_the_network_render(client: Any, admin_user: Any) -> None:
    hall = hall_with_weekday_hours()
    client.force_login(admin_user)

    for url in [
        reverse("admin:servicepoints_servicepoint_changelist"),
        reverse("admin:servicepoints_servicepoint_change", args=[hall.pk]),
        reverse("admin:servicepoints_servicepoint_add"),
        reverse("admin:servicepoints_slot_changelist"),
        reverse("admin:servicepoints_capacityplan_changelist"),
        reverse("admin:servicepoints_serviceskillrule_changelist"),
        reverse("admin:appointments_bookingpolicy_changelist"),
        reverse("admin:appointments_appointment_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_admin_refuses_a_closure_without_every_language(client: Any, admin_user: Any) -> None:
    hall = hall_with_weekday_hours()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:servicepoints_closure_add"),
        {
            "service_point": hall.pk,
            "starts_on": "2026-09-22",
            "ends_on": "2026-09-22",
            "reasons": '{"en": "Upgrade"}',
        },
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert "Reason is missing for: zh-hans, ru, ja, ko" in response.content.decode()
    assert not AuditEvent.objects.filter(action="servicepoints.closure_created").exists()
