"""A service code is letters, digits, `_`, `.` and `-`: anything else (a NUL byte, which PostgreSQL
cannot even compare) is refused as a validation error, never a 500 (found by schemathesis)."""

from __future__ import annotations

import pytest

from exitentry.applications.tests import factories as f


@pytest.mark.parametrize("code", ["passport\x00renewal", "\x00", "passport renewal", "护照"])
def test_a_service_code_with_other_characters_is_a_422(api, applicant, code) -> None:
    response = api.post(
        "/applications/eligibility/zero-visit",
        {"services": [code], "face_check_reference": "sandbox-pass-ok"},
        headers={**f.bearer(applicant), "Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"]["errors"][0]["loc"][-2:] == ["services", "0"]


def test_a_submission_with_such_a_code_is_a_422_too(api, applicant, jinan_hall) -> None:
    response = api.post(
        "/applications",
        f.application_body(["passport.renewal\x00"], pickup=jinan_hall.pk),
        headers={**f.bearer(applicant), "Idempotency-Key": "nul-1"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
