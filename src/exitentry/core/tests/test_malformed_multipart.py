"""Uploads sent with a broken multipart body (no boundary, a boundary that never appears) are the
caller's mistake: 400 `malformed_request`, never a 500 (found by schemathesis, ST102)."""

from __future__ import annotations

from typing import Any

import pytest

from exitentry.accounts.services import issue_api_token
from exitentry.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

UPLOADS = ["/photos/assess", "/applications/bulk", "/kiosk/mrz", "/accommodation/registrations/import"]


@pytest.fixture
def admin_token() -> str:
    user = UserFactory(username="multipart-admin", role="admin")
    return issue_api_token(None, user.username, PASSWORD).token


@pytest.mark.parametrize("path", UPLOADS)
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x00"],
)
def test_an_upload_without_a_usable_boundary_is_a_400(
    client: Any, admin_token: str, path: str, content_type: str
) -> None:
    response = client.generic(
        "POST",
        f"/api/v1{path}",
        b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--x--\r\n',
        content_type=content_type,
        headers={"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"},
    )

    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "malformed_request"
