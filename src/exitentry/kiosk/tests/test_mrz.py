from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.kiosk.tests.make_images import VALID_MRZ

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def upload(client, token, name, data=None, language="zh-hans"):
    data = data if data is not None else (FIXTURES / name).read_bytes()
    return client.post(
        "/api/v1/kiosk/mrz",
        {"image": SimpleUploadedFile(name, data, content_type="image/png")},
        headers={"X-Kiosk-Token": token, "Accept-Language": language},
    )


def test_a_passport_photo_is_read_and_its_mrz_validated(client, kiosk):
    response = upload(client, kiosk[1], "passport_valid.png")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mrz"] == VALID_MRZ
    assert body["document_number"] == "EA1234567"
    assert (body["surname"], body["given_names"]) == ("ZHANG", "WEI")
    assert (body["birth_date"], body["expiry_date"], body["sex"]) == ("1990-05-17", "2031-08-09", "M")


def test_an_unreadable_passport_photo_gives_a_clear_message(client, kiosk):
    response = upload(client, kiosk[1], "passport_unreadable.png", language="en")

    assert response.status_code == 422
    assert response.json()["code"] == "mrz_unreadable"
    assert response.json()["message"].startswith(
        "The machine-readable lines of the passport could not be read."
    )


def test_a_file_that_is_no_image_is_unreadable_too(client, kiosk):
    response = upload(client, kiosk[1], "scan.png", data=b"not an image at all")

    assert response.status_code == 422
    assert response.json()["details"] == {"reason": "not_an_image"}


def test_only_a_registered_kiosk_may_read_passports(client, kiosk):
    response = upload(client, "kd_unknown", "passport_valid.png")

    assert response.status_code == 401
