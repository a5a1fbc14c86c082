from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from exitentry.applications import services, tasks
from exitentry.applications.adapters import (
    InformationSharingUnavailable,
    PersonFacts,
    SandboxInformationSharing,
    SourceAnswer,
)
from exitentry.applications.models import Application, ApplicationMaterial, MaterialStatus, Upload
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent

RENEWAL = ["passport.renewal"]


def submit(api, user, body, key="key-1"):
    response = api.post("/applications", body, headers={**f.bearer(user), "Idempotency-Key": key})
    assert response.status_code == 201, response.json()
    return response.json()


def upload(client, user, number, material, content, name="scan.png", content_type="image/png"):
    return client.post(
        f"/api/v1/applications/{number}/materials",
        {"material": material, "file": SimpleUploadedFile(name, content, content_type=content_type)},
        headers=f.bearer(user),
    )


@pytest.fixture
def renewal(api, applicant, jinan_hall):
    return submit(api, applicant, f.application_body(RENEWAL, pickup=jinan_hall.pk))


def test_uploading_every_document_accepts_the_application_and_sets_the_promised_date(
    client, applicant, renewal
):
    number = renewal["number"]

    first = upload(client, applicant, number, "resident_id_card", f.png())
    second = upload(
        client, applicant, number, "previous_passport", f.pdf(), "passport.pdf", "application/pdf"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["content_type"] == "application/pdf"
    application = Application.objects.get(number=number)
    assert application.accepted_at is not None
    item = application.items.get()
    # Accepted on Monday 2026-09-21: the 7th working day after it, skipping the Mid-Autumn
    # Festival (Friday 25th) and the National Day week (1-7 October), is Thursday 8 October.
    assert (item.accepted_on, item.promised_date, item.promise_rule) == (
        dt.date(2026, 9, 21),
        dt.date(2026, 10, 8),
        "citizens.in_province",
    )
    assert (
        AuditEvent.objects.filter(
            action="applications.application_accepted", object_id=str(application.pk)
        ).count()
        == 1
    )


def test_the_file_is_stored_under_a_name_we_chose(client, applicant, renewal):
    response = upload(
        client,
        applicant,
        renewal["number"],
        "resident_id_card",
        f.jpeg(),
        "../../etc/passwd.jpg",
        "image/jpeg",
    )

    stored = Upload.objects.get(pk=response.json()["id"])
    assert stored.original_name == "passwd.jpg"
    assert stored.file.name.startswith("applications/2026/09/")
    assert stored.file.name.endswith(".jpg")
    assert "passwd" not in stored.file.name
    assert stored.content_type == "image/jpeg"
    assert len(stored.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (b"", "empty.pdf", 422, "empty_file"),
        (b"hello, this is text", "notes.pdf", 422, "unsupported_file_type"),
        (b"GIF89a" + b"\x00" * 100, "anim.png", 422, "unsupported_file_type"),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n", "cut.pdf", 422, "corrupt_file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png", 422, "corrupt_file"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "broken.jpg", 422, "corrupt_file"),
    ],
)
def test_bad_files_are_refused_with_a_clear_code(client, applicant, renewal, content, name, status, code):
    response = upload(client, applicant, renewal["number"], "resident_id_card", content, name)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert Upload.objects.count() == 0
    assert ApplicationMaterial.objects.get(code="resident_id_card").status == MaterialStatus.TO_UPLOAD


def test_a_truncated_jpeg_is_corrupt(client, applicant, renewal):
    whole = f.jpeg((800, 600))

    response = upload(
        client, applicant, renewal["number"], "resident_id_card", whole[: len(whole) // 2], "half.jpg"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "corrupt_file"


def test_a_tiny_picture_cannot_be_read(client, applicant, renewal):
    response = upload(client, applicant, renewal["number"], "resident_id_card", f.png((40, 30)))

    assert response.status_code == 422
    assert response.json()["code"] == "image_too_small"


@override_settings(EXITENTRY_UPLOAD_MAX_BYTES=1_048_576)
def test_a_file_over_the_limit_is_refused(client, applicant, renewal):
    response = client.post(
        f"/api/v1/applications/{renewal['number']}/materials",
        {
            "material": "resident_id_card",
            "file": SimpleUploadedFile("big.pdf", f.pdf() + b"0" * 1_100_000, content_type="application/pdf"),
        },
        headers={**f.bearer(applicant), "Accept-Language": "en"},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert response.json()["message"] == "The file is too large. Send a file of at most 1 MB."
    assert response.json()["details"] == {"max_bytes": 1_048_576}
    assert Upload.objects.count() == 0


def test_only_documents_the_application_asks_for_can_be_sent(client, applicant, renewal):
    response = upload(client, applicant, renewal["number"], "marriage_certificate", f.png())

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_material"


def test_nobody_else_can_upload_to_an_application(client, renewal):
    stranger = f.applicant()

    response = upload(client, stranger, renewal["number"], "resident_id_card", f.png())

    assert response.status_code == 404
    assert response.json()["code"] == "application_not_found"


# --- Information sharing -----------------------------------------------------------------------


class ConfirmEverything:
    def confirm(self, *, source, material, person):
        return SourceAnswer(confirmed=True, reference=f"REG-{material}")


class NeverAnswers:
    def confirm(self, *, source, material, person):
        raise InformationSharingUnavailable("timed out after 3 s")


class CrashesOnSecond:
    calls = 0

    def confirm(self, *, source, material, person):
        type(self).calls += 1
        if type(self).calls == 2:
            raise RuntimeError("connection reset mid-way")
        return SourceAnswer(confirmed=True, reference="REG-1")


def adapter(path):
    return override_settings(EXITENTRY_ADAPTERS={"info_sharing": f"{__name__}.{path}"})


@pytest.fixture
def enterprise_applicant(resident):
    return f.applicant(resident, organisation="Jinan Heavy Industry Co.")


def green_channel_body(point):
    return f.application_body(RENEWAL, pickup=point.pk, channel="green_channel", priority="green_channel")


def test_materials_a_register_confirms_are_not_asked_for(
    api, enterprise_applicant, jinan_hall, django_capture_on_commit_callbacks
):
    with adapter("ConfirmEverything"), django_capture_on_commit_callbacks(execute=True):
        data = submit(api, enterprise_applicant, green_channel_body(jinan_hall))

    licence = ApplicationMaterial.objects.get(application__number=data["number"], code="enterprise_licence")
    assert (licence.status, licence.source, licence.source_outcome, licence.source_reference) == (
        MaterialStatus.VERIFIED_BY_SOURCE,
        "enterprise_licence",
        "confirmed",
        "REG-enterprise_licence",
    )
    statuses = dict(
        ApplicationMaterial.objects.filter(application__number=data["number"]).values_list("code", "status")
    )
    assert statuses["employer_letter"] == MaterialStatus.TO_UPLOAD
    assert statuses["urgent_proof"] == MaterialStatus.TO_UPLOAD


def test_a_register_that_does_not_answer_means_we_ask_for_the_document(
    api, enterprise_applicant, jinan_hall, django_capture_on_commit_callbacks
):
    with adapter("NeverAnswers"), django_capture_on_commit_callbacks(execute=True):
        data = submit(api, enterprise_applicant, green_channel_body(jinan_hall))

    licence = ApplicationMaterial.objects.get(application__number=data["number"], code="enterprise_licence")
    assert (licence.status, licence.source_outcome) == (MaterialStatus.TO_UPLOAD, "unavailable")
    assert Application.objects.filter(number=data["number"]).exists()


def test_a_crash_half_way_through_the_checks_loses_nothing_and_a_rerun_finishes(
    api, applicant, jinan_hall, django_capture_on_commit_callbacks
):
    # Someone registered in another province asks for home service: the residence-permit register
    # is asked about their permit.
    owner = f.person(city_code=f.BEIJING, region="110105")
    f.passport(owner)
    user = f.applicant(owner)
    body = f.application_body(RENEWAL, pickup=jinan_hall.pk, channel="home_service", face_check_reference="")
    data = submit(api, user, body)  # no on-commit callbacks here: as if the task had been lost
    application = Application.objects.get(number=data["number"])
    checking = list(
        application.materials.filter(status=MaterialStatus.CHECKING).values_list("code", flat=True)
    )
    assert checking == ["residence_permit"]
    # Two materials to check, and the register crashes on the second one.
    extra = ApplicationMaterial.objects.get(application=application, code="residence_permit")
    ApplicationMaterial.objects.create(
        application=application,
        material=extra.material.__class__.objects.get(code="marriage_certificate"),
        code="marriage_certificate",
        status=MaterialStatus.CHECKING,
        source="marriage",
        sort_order=99,
        updated_at=extra.updated_at,
    )
    CrashesOnSecond.calls = 0

    with adapter("CrashesOnSecond"):
        result = tasks.check_materials_with_sources.enqueue(application.pk)

    assert result.status == "FAILED"
    assert dict(application.materials.filter(source__gt="").values_list("code", "status")) == {
        "residence_permit": MaterialStatus.VERIFIED_BY_SOURCE,
        "marriage_certificate": MaterialStatus.CHECKING,
    }
    assert application.items.get().status == "awaiting_payment"

    with adapter("ConfirmEverything"):
        rerun = tasks.check_materials_with_sources.enqueue(application.pk)

    assert rerun.status == "SUCCESSFUL"
    assert rerun.return_value == {"marriage_certificate": MaterialStatus.VERIFIED_BY_SOURCE}
    assert not application.materials.filter(status=MaterialStatus.CHECKING).exists()


def test_stalled_checks_are_found_and_retried(api, applicant, jinan_hall, clock):
    owner = f.person(city_code=f.BEIJING, region="110105")
    f.passport(owner)
    body = f.application_body(RENEWAL, pickup=jinan_hall.pk, channel="home_service", face_check_reference="")
    data = submit(api, f.applicant(owner), body)
    application = Application.objects.get(number=data["number"])

    assert services.stalled_source_checks() == []
    clock.shift(dt.timedelta(minutes=11))
    with adapter("ConfirmEverything"):
        retried = tasks.retry_stalled_source_checks.enqueue()

    assert retried.return_value == [application.pk]
    assert application.materials.get(code="residence_permit").status == MaterialStatus.VERIFIED_BY_SOURCE


def test_the_sandbox_register_answers_the_same_every_time():
    register = SandboxInformationSharing()
    local = PersonFacts(id_number="370102199003070028", full_name="张三", household_city_code="370100")
    elsewhere = PersonFacts(id_number="110105199003070028", full_name="李四", household_city_code="110000")

    assert register.confirm(source="household_register", material="x", person=local).confirmed is True
    assert register.confirm(source="household_register", material="x", person=elsewhere).confirmed is False
    answers = set()
    for _ in range(3):
        try:
            answers.add(register.confirm(source="marriage", material="x", person=local))
        except InformationSharingUnavailable:
            answers.add("unavailable")
    assert len(answers) == 1


def test_staged_files_are_attached_when_the_form_is_sent(applicant, jinan_hall):
    staged = services.stage_upload(
        applicant,
        token="form-token-1",
        material_code="resident_id_card",
        stream=SimpleUploadedFile("id.png", f.png()),
        name="id.png",
    )

    submission = services.submit_application(
        submitted_by=applicant,
        form=services.ApplicationForm(
            services=("passport.renewal",),
            pickup_point_id=jinan_hall.pk,
            face_check_reference="sandbox-pass-x",
        ),
        idempotency_key="web-form-token-1",
        staged_token="form-token-1",
    )

    staged.refresh_from_db()
    material = submission.application.materials.get(code="resident_id_card")
    assert (staged.application_material, staged.staged_token, material.status) == (
        material,
        "",
        MaterialStatus.UPLOADED,
    )


def test_abandoned_staged_files_are_deleted_after_two_days(applicant, clock):
    services.stage_upload(
        applicant,
        token="abandoned",
        material_code="resident_id_card",
        stream=SimpleUploadedFile("id.png", f.png()),
        name="id.png",
    )
    clock.shift(dt.timedelta(days=3))

    assert tasks.delete_abandoned_uploads.enqueue().return_value == 1
    assert Upload.objects.count() == 0
