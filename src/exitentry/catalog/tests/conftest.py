from __future__ import annotations

import pytest

from exitentry.catalog.models import Service
from exitentry.catalog.services import load_reference_data


@pytest.fixture(autouse=True)
def catalog(db: None) -> None:
    """The reference catalog. Migrations load it; a test that flushed the database reloads it."""
    if not Service.objects.exists():
        load_reference_data()
