"""Every operation in the published OpenAPI schema, fuzzed: no input may make the API answer 5xx.

Schemathesis reads `/api/v1/openapi.json` from the WSGI application itself and sends its
generated requests straight to it (no server, no network), on the test database. The run is
seeded and bounded so that it is the same every time and stays well inside the CI budget.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from exitentry.accounts.services import issue_api_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.wsgi import application

SEED = 20240917
MAX_EXAMPLES = 20

config = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES},
        "phases": {
            # Per operation: the schema's examples, the coverage phase (boundary values, missing
            # and wrongly typed parameters) and MAX_EXAMPLES fuzzed requests. Wrong HTTP methods
            # are answered 405 by ninja's router before any of our code runs: not worth 7 calls
            # per operation. Stateful sequences would blow the time budget.
            "coverage": {"unexpected-methods": []},
            "stateful": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)


@pytest.fixture
def _in_test_transaction() -> Iterator[None]:
    # Django's own test client unhooks these for the same reason: at the end of each request
    # they would close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        # Fuzzed sign-ins count as failures for the test client's address; do not lock out
        # the tests that run next in this process.
        cache.clear()


@pytest.fixture
def bearer_headers(_in_test_transaction: None) -> dict[str, str]:
    """A signed-in administrator, so that endpoints behind auth are reached, not just refused."""
    user = UserFactory(username="fuzz-admin", role="admin")
    issued = issue_api_token(None, user.username, PASSWORD)
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_an_operation_answer_with_a_server_error(
    case: schemathesis.Case, bearer_headers: dict[str, str]
) -> None:
    case.call_and_validate(headers=bearer_headers, checks=[schemathesis.checks.not_a_server_error])
