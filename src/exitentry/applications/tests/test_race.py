"""Simultaneous submissions on PostgreSQL: the constraints, not luck, keep one application."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from exitentry.applications import services
from exitentry.applications.models import Application, ApplicationItem
from exitentry.applications.tests import factories as f
from exitentry.payments.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def race(attempts: list[Callable[[], Any]]) -> Counter[str]:
    start_line = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], Any]) -> None:
        try:
            start_line.wait()
            try:
                submission = attempt()
                result = "replayed" if submission.replayed else "created"
            except services.AlreadyApplied:
                result = "already_applied"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)


def form(point: Any) -> services.ApplicationForm:
    return services.ApplicationForm(
        services=("passport.renewal",), pickup_point_id=point.pk, face_check_reference="sandbox-pass-race"
    )


def test_eight_clicks_with_one_key_make_one_application():
    point = f.hall("race-hall")
    owner = f.person()
    f.passport(owner)
    user = f.applicant(owner)

    outcomes = race(
        [lambda: services.submit_application(submitted_by=user, form=form(point), idempotency_key="same")] * 8
    )

    assert outcomes == {"created": 1, "replayed": 7}
    assert Application.objects.count() == 1
    assert Order.objects.count() == 1


def test_eight_tabs_with_different_keys_make_one_application_for_the_document():
    point = f.hall("race-hall-2")
    owner = f.person()
    f.passport(owner)
    user = f.applicant(owner)

    outcomes = race(
        [
            (
                lambda key=key: services.submit_application(
                    submitted_by=user, form=form(point), idempotency_key=key
                )
            )
            for key in (f"tab-{n}" for n in range(8))
        ]
    )

    assert outcomes == {"created": 1, "already_applied": 7}
    assert ApplicationItem.objects.filter(person=owner).count() == 1
    assert Order.objects.count() == 1
