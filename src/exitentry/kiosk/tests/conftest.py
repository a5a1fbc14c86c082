from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data
from exitentry.kiosk.tests import factories as f
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
def kiosk(jinan_hall: ServicePoint) -> Any:
    return f.device(jinan_hall)
