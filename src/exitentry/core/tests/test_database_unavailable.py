"""While the database cannot be reached (a restart, a failover) the API answers at once with a
503 the client can act on — a code, a translated message and `Retry-After` — never a 500 or a hang."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db


def _database_down(monkeypatch: Any, error: Exception) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(CursorWrapper, "_execute", refuse)
    monkeypatch.setattr(CursorWrapper, "_executemany", refuse)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed'),
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
    ],
)
def test_an_unreachable_database_is_a_503_with_a_code(api: Any, monkeypatch: Any, error: Exception) -> None:
    _database_down(monkeypatch, error)

    response = api.get("/catalog/services", headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert response.json() == {
        "code": "service_unavailable",
        "message": "The service is briefly unavailable. Please try again in a few seconds.",
        "details": {},
    }
    assert response["Retry-After"] == "5"


def test_the_503_reaches_endpoints_behind_sign_in_in_the_callers_language(api: Any, monkeypatch: Any) -> None:
    _database_down(monkeypatch, OperationalError("the database system is starting up"))

    response = api.post(
        "/appointments",
        {"slot_id": 1, "service": "passport.renewal"},
        headers={
            "Authorization": "Bearer some-token",
            "Idempotency-Key": "k-1",
            "Accept-Language": "zh-hans",
        },
    )

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["message"] == "服务暂时不可用，请几秒钟后重试。"


def test_other_unexpected_errors_are_still_500(api: Any, monkeypatch: Any) -> None:
    _database_down(monkeypatch, RuntimeError("a bug"))

    response = api.get("/catalog/services")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_a_page_says_briefly_unavailable_with_a_503_not_a_server_error(client: Any, monkeypatch: Any) -> None:
    _database_down(monkeypatch, OperationalError("the database system is shutting down"))

    response = client.get("/service-points/", headers={"Accept-Language": "en"})

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "<h1>Briefly unavailable</h1>" in page
    assert "The service is briefly unavailable. Please try again in a few seconds." in page
    assert "it was not saved: send it again" in page


def test_the_unavailable_page_speaks_chinese_by_default(client: Any, monkeypatch: Any) -> None:
    _database_down(monkeypatch, InterfaceError("connection already closed"))

    response = client.get("/service-points/")

    assert response.status_code == 503
    assert "<h1>暂时无法访问</h1>" in response.content.decode()
