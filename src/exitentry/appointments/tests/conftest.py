from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from exitentry.accounts.services import issue_api_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.appointments.models import BookingPolicy
from exitentry.servicepoints.tests.factories import catalog_service, skill_rules

# Monday 2026-09-21, 10:00 in Shanghai; the booking batch opened at 08:00.
MONDAY_10 = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _booking_data(db: None) -> Iterator[None]:
    skill_rules()
    BookingPolicy.objects.filter(service_point__isnull=True).delete()
    BookingPolicy.objects.create(
        days_ahead=30,
        release_time=dt.time(8, 0),
        max_active_per_account=3,
        requests_per_ip_per_minute=60,
        effective_from=dt.date(2020, 1, 1),
    )
    catalog_service("passport.renewal")
    catalog_service("hk_macau_permit.first_issue")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def monday_10() -> Iterator[None]:
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(None, user.username, PASSWORD).token}"}


@pytest.fixture
def applicant() -> Any:
    return UserFactory()
