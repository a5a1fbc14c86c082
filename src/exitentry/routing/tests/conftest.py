from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from exitentry.queueing.tests.factories import at
from exitentry.servicepoints.tests.factories import catalog_service, skill_rules


@pytest.fixture
def network(db: None) -> Iterator[None]:
    """Skill rules and the services the recommendation tests ask for."""
    skill_rules()
    catalog_service("passport.renewal")
    catalog_service("hk_macau_endorsement.G")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def monday_10(network: None) -> Iterator[Any]:
    """Monday 2026-09-21 10:00 in Shanghai, frozen (halls open 09:00–17:00)."""
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller
