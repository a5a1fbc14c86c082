from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD, UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.photos.models import BurstStatus, PhotoBurst
from exitentry.photos.tests.factories import shot_jpeg

pytestmark = pytest.mark.django_db


def _files(*shots: bytes) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"shot{i}.jpg", data, content_type="image/jpeg") for i, data in enumerate(shots)
    ]


def _assess(client, *shots: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/photos/assess", {"shots": _files(*shots)}, HTTP_ACCEPT_LANGUAGE="en")


def test_assess_needs_a_signed_in_caller(client) -> None:  # type: ignore[no-untyped-def]
    response = _assess(client, shot_jpeg("good", 0))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_assess_returns_the_best_and_the_reasons_for_the_others(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    client.force_login(user)
    response = _assess(client, shot_jpeg("blurred", 0), shot_jpeg("good", 2))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["best_index"] == 1
    assert (body["width_px"], body["height_px"]) == (354, 472)
    assert body["shots"][0]["accepted"] is False
    assert body["shots"][0]["problems"] == [{"code": "blurred", "message": "Blurred"}]
    assert body["shots"][1]["problems"] == []
    photo = client.get(body["photo_url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert (
        AuditEvent.objects.filter(action="photos.burst_assessed", object_id=str(body["burst_id"])).count()
        == 1
    )


def test_another_applicant_cannot_see_the_burst(client) -> None:  # type: ignore[no-untyped-def]
    owner, other = UserFactory(), UserFactory()
    client.force_login(owner)
    burst_id = _assess(client, shot_jpeg("good", 0)).json()["burst_id"]
    client.force_login(other)
    assert client.get(f"/api/v1/photos/bursts/{burst_id}").status_code == 404
    assert client.get(f"/photos/bursts/{burst_id}/photo.jpg").status_code == 404


def test_officer_overrides_a_rejection_with_a_reason_once(client, api) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    burst_id = _assess(client, shot_jpeg("background_too_dark", 0)).json()["burst_id"]
    assert PhotoBurst.objects.get(pk=burst_id).status == BurstStatus.REJECTED
    UserFactory(username="officer1", role=Role.OFFICER)
    api.login("officer1", PASSWORD)
    missing = api.post(f"/photos/bursts/{burst_id}/override", {"shot_index": 0, "reason": "  "})
    assert missing.status_code == 422
    assert missing.json()["code"] == "override_reason_required"
    done = api.post(
        f"/photos/bursts/{burst_id}/override", {"shot_index": 0, "reason": "Grey wall is the booth's"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "overridden"
    assert done.json()["best_index"] == 0
    burst = PhotoBurst.objects.get(pk=burst_id)
    assert burst.override_reason == "Grey wall is the booth's"
    assert burst.overridden_by.username == "officer1"
    assert bytes(burst.photo_jpeg)[:2] == b"\xff\xd8"
    event = AuditEvent.objects.get(action="photos.rejection_overridden")
    assert event.summary["reason"] == "Grey wall is the booth's"
    again = api.post(f"/photos/bursts/{burst_id}/override", {"shot_index": 0, "reason": "again"})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_an_applicant_cannot_override(client, api) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="applicant9")
    api.login("applicant9", PASSWORD)
    client.force_login(UserFactory())
    burst_id = _assess(client, shot_jpeg("no_face", 0)).json()["burst_id"]
    response = api.post(f"/photos/bursts/{burst_id}/override", {"shot_index": 0, "reason": "please"})
    assert response.status_code == 403


def test_a_shot_without_a_face_cannot_be_accepted_by_override(client, api) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    burst_id = _assess(client, shot_jpeg("no_face", 1)).json()["burst_id"]
    UserFactory(username="officer2", role=Role.OFFICER)
    api.login("officer2", PASSWORD)
    response = api.post(f"/photos/bursts/{burst_id}/override", {"shot_index": 0, "reason": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "shot_cannot_be_used"
    assert PhotoBurst.objects.get(pk=burst_id).status == BurstStatus.REJECTED
