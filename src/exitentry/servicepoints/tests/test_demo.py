from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from exitentry.appointments.models import BookingPolicy
from exitentry.core import clock
from exitentry.core.i18n import missing_languages
from exitentry.servicepoints.demo import seed_service_network
from exitentry.servicepoints.models import (
    CapacityPlan,
    Counter,
    OpeningHours,
    ServicePoint,
    ServicePointKind,
    SessionKind,
    Slot,
)
from exitentry.servicepoints.services import open_now

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC), tick=False)
def test_the_demo_network_is_complete_and_seeding_twice_changes_nothing() -> None:
    first = seed_service_network()
    counts = [m.objects.count() for m in (ServicePoint, OpeningHours, Counter, CapacityPlan, Slot)]

    second = seed_service_network()

    assert first.created > 0
    assert second.as_dict() == {"created": 0, "updated": 0, "closed": 0, "skipped_years": []}
    assert [m.objects.count() for m in (ServicePoint, OpeningHours, Counter, CapacityPlan, Slot)] == counts
    kinds = sorted(ServicePoint.objects.values_list("kind", flat=True))
    halls = [k for k in kinds if k in (ServicePointKind.HALL, ServicePointKind.FOREIGNERS_HALL)]
    assert 6 <= len(halls) <= 8
    assert kinds.count(ServicePointKind.SELF_SERVICE) == 1
    assert kinds.count(ServicePointKind.PORT) == 1
    for point in ServicePoint.objects.all():
        assert missing_languages(point.names) == [], point.code
        assert missing_languages(point.addresses) == [], point.code
    session_kinds = set(OpeningHours.objects.values_list("kind", flat=True))
    assert session_kinds == {
        SessionKind.REGULAR,
        SessionKind.EVENING,
        SessionKind.WEEKEND,
        SessionKind.STUDENT,
    }
    assert OpeningHours.objects.filter(no_lunch_break=True).exists()
    assert OpeningHours.objects.filter(kind=SessionKind.STUDENT, valid_from=dt.date(2026, 7, 1)).exists()
    assert BookingPolicy.objects.filter(service_point__isnull=True).exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC), tick=False)
def test_the_airport_port_office_is_open_around_the_clock_on_holidays() -> None:
    seed_service_network(days=1)
    port = ServicePoint.objects.get(kind=ServicePointKind.PORT)

    assert port.city.code == "370200"
    assert open_now(port, clock.local_datetime(dt.date(2026, 10, 1), dt.time(3, 30))) is True
