from __future__ import annotations

import pytest

from exitentry.servicepoints.tests.factories import skill_rules


@pytest.fixture(autouse=True)
def _skill_rules(db: None) -> None:
    skill_rules()
