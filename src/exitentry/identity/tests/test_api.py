import datetime as dt

import pytest
import time_machine

pytestmark = pytest.mark.django_db

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def test_valid_resident_id_answers_the_contract_shape(api):
    response = api.post("/identity/resident-id", {"number": "11010519491231002x"})

    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "birth_date": "1949-12-31",
        "sex": "F",
        "region_code": "110105",
        "errors": [],
    }


def test_invalid_resident_id_is_200_with_null_fields_and_translated_messages(api):
    response = api.post(
        "/identity/resident-id", {"number": "110105194912310021"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "birth_date": None,
        "sex": None,
        "region_code": None,
        "errors": [
            {
                "code": "invalid_checksum",
                "message": "The last character (the check digit) does not match the rest of the number.",
            }
        ],
    }


def test_resident_id_messages_follow_the_language_asked_for(api):
    response = api.post("/identity/resident-id", {"number": "123"}, headers={"Accept-Language": "zh-hans"})

    assert response.json()["errors"] == [{"code": "invalid_length", "message": "居民身份证号码应为 18 位。"}]


@pytest.mark.parametrize(
    "body",
    [{}, {"number": 110105194912310021}, {"number": None}, {"number": "1" * 41}, {"mrz": "x"}],
)
def test_malformed_resident_id_request_is_422(api, body):
    response = api.post("/identity/resident-id", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_body_that_is_not_json_is_400(client):
    response = client.post("/api/v1/identity/resident-id", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@time_machine.travel(dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC), tick=False)
def test_valid_mrz_answers_the_contract_shape(api):
    response = api.post("/identity/mrz", {"mrz": TD3})

    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "format": "TD3",
        "document_number": "L898902C3",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",
        "errors": [],
    }


def test_mrz_with_a_wrong_check_digit_lists_field_code_and_message(api):
    broken = TD3[:-1] + "1"

    response = api.post("/identity/mrz", {"mrz": broken}, headers={"Accept-Language": "en"})

    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is False
    assert body["document_number"] == "L898902C3"
    assert body["errors"] == [
        {
            "field": "final_hash",
            "code": "invalid_check_digit",
            "message": (
                "The overall check digit at the end does not match: a character may have been misread."
            ),
        }
    ]


def test_mrz_of_unknown_shape_has_null_fields(api):
    response = api.post("/identity/mrz", {"mrz": "NOT AN MRZ"})

    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is False
    assert body["format"] is None
    assert body["document_number"] is None
    assert [(error["field"], error["code"]) for error in body["errors"]] == [("mrz", "unknown_format")]


@pytest.mark.parametrize("body", [{}, {"mrz": ["line1", "line2"]}, {"mrz": "<" * 201}])
def test_malformed_mrz_request_is_422(api, body):
    response = api.post("/identity/mrz", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "text", ["\x00\n\x00", "ß" * 44 + "\n" + "ß" * 44, "\u2028" * 50, "<" * 44 + "\n" + "<" * 44]
)
def test_odd_input_never_breaks_the_mrz_check(api, text):
    response = api.post("/identity/mrz", {"mrz": text})

    assert response.status_code == 200
    assert response.json()["valid"] is False
