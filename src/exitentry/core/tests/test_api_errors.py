import json

import pytest
from django.db import DataError
from django.utils import translation
from ninja.errors import HttpError

from exitentry.api import on_data_error, on_http_error, on_unexpected_error
from exitentry.core.errors import MalformedRequest, NotFound, ServerError, Throttled

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


def test_missing_sign_in_is_401_in_the_callers_language(api):
    response = api.get("/auth/me", headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录。", "details": {}}


def test_validation_error_message_is_translated(api):
    response = api.post("/auth/token", {"username": 5}, headers={"Accept-Language": "ja"})

    assert response.status_code == 422
    assert response.json()["message"] == "入力された情報の一部が正しくありません。"


def test_unknown_path_outside_v1_is_json_404_too(client):
    response = client.get("/api/v2/anything", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Nothing was found.", "details": {}}


def test_unexpected_exception_is_500_with_error_shape_and_no_detail_leak(rf):
    request = rf.get("/api/v1/anything")

    with translation.override("en"):
        response = on_unexpected_error(request, RuntimeError("secret internals"))

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "code": "server_error",
        "message": "Something went wrong on our side. Please try again.",
        "details": {},
    }


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, "malformed_request", "The request body could not be read."),
        (429, "throttled", "Too many attempts. Please wait a while and try again."),
        (405, "http_error", "Method not allowed"),
    ],
)
def test_ninja_http_errors_keep_their_status_and_get_a_code(rf, status, code, message):
    with translation.override("en"):
        response = on_http_error(rf.get("/api/v1/x"), HttpError(status, "Method not allowed"))

    assert response.status_code == status
    assert json.loads(response.content) == {"code": code, "message": message, "details": {}}


@pytest.mark.parametrize(
    ("error", "language", "message"),
    [
        (NotFound, "ru", "Ничего не найдено."),
        (MalformedRequest, "ko", "요청 본문을 읽을 수 없습니다."),
        (ServerError, "zh-hans", "系统出现问题，请重试。"),
        (Throttled, "ja", "試行回数が多すぎます。しばらく待ってからもう一度お試しください。"),
    ],
)
def test_standard_error_messages_come_from_the_core_catalogue(error, language, message):
    with translation.override(language):
        assert str(error.default_message) == message


@pytest.mark.postgres
def test_a_nul_character_postgresql_cannot_store_is_422_not_500(api):
    # Found by schemathesis: PostgreSQL text cannot hold U+0000, and psycopg refuses to send it.
    response = api.post("/auth/token", {"username": "officer\x00", "password": "whatever-password"})

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_error",
        "message": response.json()["message"],
        "details": {
            "errors": [
                {
                    "loc": [],
                    "msg": "Text must not contain the NUL character (U+0000).",
                    "type": "string_nul_character",
                }
            ]
        },
    }
    assert response.json()["message"] == api.post("/auth/token", {"username": 5}).json()["message"]


def test_any_other_data_error_stays_a_server_error(rf):
    request = rf.post("/api/v1/anything")

    with translation.override("en"):
        response = on_data_error(request, DataError("value too long for type character varying(20)"))

    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
