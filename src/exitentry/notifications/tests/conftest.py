from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from exitentry.accounts.tests.factories import UserFactory

MONDAY_10 = dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def monday_10() -> Iterator[Any]:
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def applicant(db: None) -> Any:
    return UserFactory(phone="13812345678", email="li.na@example.com", preferred_language="en")


from exitentry.payments.tests.conftest import reference_data  # noqa: E402, F401  (real-transaction tests)
