from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from exitentry.accounts.models import Role
from exitentry.audit.models import AuditEvent
from exitentry.core.scheduling import discover
from exitentry.queueing.models import SkillProfile
from exitentry.queueing.tests.factories import staff

pytestmark = pytest.mark.django_db


def test_the_periodic_jobs_are_registered() -> None:
    jobs = discover()

    assert "exitentry.queueing.tasks.refresh_wait_corrections" in jobs
    assert "exitentry.queueing.tasks.close_queue_day" in jobs


def test_editing_a_skill_profile_in_the_admin_is_audited(client: Any) -> None:
    admin = staff(None, Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    profile = SkillProfile.objects.get(skill="citizens_documents")

    response = client.post(
        reverse("admin:queueing_skillprofile_change", args=[profile.pk]),
        {"skill": "citizens_documents", "letter": "A", "default_service_minutes": "9.5"},
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert str(profile.default_service_minutes) == "9.5"
    event = AuditEvent.objects.get(action="queueing.skillprofile_changed")
    assert (
        event.summary["before"]["default_service_minutes"],
        event.summary["after"]["default_service_minutes"],
    ) == (
        "8.0",
        "9.5",
    )


def test_a_ticket_letter_must_be_one_capital(client: Any) -> None:
    client.force_login(staff(None, Role.ADMIN, is_staff=True, is_superuser=True))
    profile = SkillProfile.objects.get(skill="endorsements")

    response = client.post(
        reverse("admin:queueing_skillprofile_change", args=[profile.pk]),
        {"skill": "endorsements", "letter": "b", "default_service_minutes": "5"},
    )

    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.letter == "B"
