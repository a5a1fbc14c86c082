import pytest

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok(api):
    response = api.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_malformed_json_is_400_with_error_shape(client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert set(response.json()) == {"code", "message", "details"}


def test_wrong_types_are_422_listing_each_field(api):
    response = api.post("/auth/token", {"username": 5})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [error["loc"][-1] for error in body["details"]["errors"]] == ["username", "password"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
