from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from exitentry.applications.tests import factories as f
from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data


@pytest.fixture(autouse=True)
def _catalog_and_clock(db: None) -> Iterator[Any]:
    """The reference catalog, an empty cache, and Monday 2026-09-21 10:00 in Shanghai."""
    if not Service.objects.exists():
        load_reference_data()
    cache.clear()
    with time_machine.travel(f.MONDAY_10, tick=False) as traveller:
        yield traveller
    cache.clear()
