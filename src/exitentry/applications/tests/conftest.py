from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from exitentry.accounts.models import Role, User
from exitentry.applications.tests import factories as f
from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data
from exitentry.identity.models import Person
from exitentry.servicepoints.models import ServicePoint


@pytest.fixture(autouse=True)
def _catalog_and_clock(db: None) -> Iterator[Any]:
    """The reference catalog, an empty cache, and Monday 2026-09-21 10:00 in Shanghai."""
    if not Service.objects.exists():
        load_reference_data()
    cache.clear()
    with time_machine.travel(f.MONDAY_10, tick=False) as traveller:
        yield traveller
    cache.clear()


@pytest.fixture
def clock(_catalog_and_clock: Any) -> Any:
    return _catalog_and_clock


@pytest.fixture
def jinan_hall() -> ServicePoint:
    return f.hall("jinan-lixia")


@pytest.fixture
def qingdao_hall() -> ServicePoint:
    return f.hall("qingdao-shinan", f.QINGDAO)


@pytest.fixture
def resident() -> Person:
    """applicant001's story: an adult in Jinan with fingerprints, a passport expiring in four months
    and a Hong Kong and Macau permit that carried a G endorsement."""
    owner = f.person()
    f.passport(owner)
    f.hk_macau_permit(owner)
    return owner


@pytest.fixture
def applicant(resident: Person) -> User:
    return f.applicant(resident)


@pytest.fixture
def officer(jinan_hall: ServicePoint) -> User:
    return f.staff(Role.OFFICER, jinan_hall)


@pytest.fixture
def supervisor(jinan_hall: ServicePoint) -> User:
    return f.staff(Role.SUPERVISOR, jinan_hall)
