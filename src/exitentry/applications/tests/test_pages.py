from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import PASSWORD
from exitentry.applications import services
from exitentry.applications.models import Application, ApplicationItem, MaterialStatus, Upload
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.catalog.models import Material

EN = {"Accept-Language": "en"}


def sign_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def text(response):
    return response.content.decode()


def walk_to_documents(client, jinan_hall, *, documents=None, endorsements=None):
    choose = {"document_passport": "passport.renewal", **(documents or {})}
    for code, entries in (endorsements or {}).items():
        choose[f"endorsement_{code}"] = "on"
        choose[f"entries_{code}"] = entries
    response = client.post("/applications/apply/", choose, headers=EN)
    assert response.status_code == 302, text(response)
    assert response["Location"] == "/applications/apply/details/"
    response = client.post("/applications/apply/details/", {"phone": "13800000001"}, headers=EN)
    assert response["Location"] == "/applications/apply/options/"
    response = client.post(
        "/applications/apply/options/",
        {
            "channel": "online",
            "priority": "normal",
            "delivery_method": "pickup",
            "pickup_point": jinan_hall.pk,
        },
        headers=EN,
    )
    assert response.status_code == 302, text(response)
    return response


@pytest.fixture
def signed_in(client, applicant):
    sign_in(client, applicant)
    return client


def test_the_start_page_says_what_you_need_and_how_long(client):
    response = client.get("/applications/", headers=EN)

    assert response.status_code == 200
    assert "Start now" in text(response)
    assert "fully online" in text(response)


def test_the_apply_pages_need_a_signed_in_applicant(client):
    response = client.get("/applications/apply/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_applicant_renews_a_passport_and_adds_a_permit_with_g_on_one_form(
    signed_in, applicant, jinan_hall
):
    client = signed_in
    page = client.get("/applications/apply/?new=1", headers=EN)
    assert "What do you want to apply for?" in text(page)

    response = walk_to_documents(
        client,
        jinan_hall,
        documents={"document_hk_macau_permit": "hk_macau_permit.renewal"},
        endorsements={"hk_macau_endorsement.G": "single"},
    )

    assert response["Location"] == "/applications/apply/face-check/"
    response = client.post("/applications/apply/face-check/", headers=EN)
    assert response["Location"] == "/applications/apply/documents/"
    documents = client.get("/applications/apply/documents/", headers=EN)
    assert "Resident identity card" in text(documents)
    response = client.post(
        "/applications/apply/documents/",
        {
            "file_resident_id_card": SimpleUploadedFile("id.png", f.png(), content_type="image/png"),
            "file_previous_passport": SimpleUploadedFile("passport.jpg", f.jpeg(), content_type="image/jpeg"),
            "file_previous_hk_macau_permit": SimpleUploadedFile(
                "permit.pdf", f.pdf(), content_type="application/pdf"
            ),
        },
        headers=EN,
    )
    assert response["Location"] == "/applications/apply/check/"
    check = client.get("/applications/apply/check/", headers=EN)
    assert "195 yuan" in text(check)
    assert "Uploaded: id.png" in text(check)
    token = re.search(r'name="token" value="([0-9a-f]+)"', text(check)).group(1)

    first = client.post("/applications/apply/check/", {"token": token, "declaration": "on"}, headers=EN)
    second = client.post("/applications/apply/check/", {"token": token, "declaration": "on"}, headers=EN)

    application = Application.objects.get()
    assert first["Location"] == second["Location"] == f"/applications/{application.number}/?submitted=1"
    assert [i.service_code for i in application.items.all()] == [
        "passport.renewal",
        "hk_macau_permit.renewal",
        "hk_macau_endorsement.G",
    ]
    assert application.accepted_at is not None  # every document was sent with the form
    assert Upload.objects.filter(application_material__application=application).count() == 3
    confirmation = client.get(first["Location"], headers=EN)
    assert "Application sent" in text(confirmation)
    assert application.number in text(confirmation)
    assert "Pay now" in text(confirmation)


def test_choosing_nothing_shows_the_error_summary(signed_in):
    response = signed_in.post("/applications/apply/?new=1", {}, headers=EN)

    assert response.status_code == 422
    assert "There is a problem" in text(response)
    assert "Choose at least one document or endorsement." in text(response)


def test_choosing_two_reasons_for_one_document_is_not_possible(signed_in):
    # One radio group per document: a second value for the same document is simply the last one.
    response = signed_in.post("/applications/apply/", {"document_passport": "passport.teleport"}, headers=EN)

    assert response.status_code == 422
    assert "Select a valid choice" in text(response)


def test_a_child_is_told_why_and_offered_a_booking(client, jinan_hall):
    child = f.person(age=15)
    f.passport(child)
    sign_in(client, f.applicant(child))
    client.post("/applications/apply/?new=1", {"document_passport": "passport.renewal"}, headers=EN)
    client.post("/applications/apply/details/", {"phone": "13800000001"}, headers=EN)

    response = client.post(
        "/applications/apply/options/",
        {
            "channel": "online",
            "priority": "normal",
            "delivery_method": "pickup",
            "pickup_point": jinan_hall.pk,
        },
        headers=EN,
    )

    assert response.status_code == 200
    page = text(response)
    assert "You cannot apply online" in page
    assert 'data-code="under_16"' in page
    assert f"/appointments/book/?service=passport.renewal&amp;point={jinan_hall.pk}" in page
    assert jinan_hall.name in page


def test_someone_without_fingerprints_is_told_why(client, jinan_hall):
    owner = f.person(fingerprints=False)
    f.passport(owner)
    sign_in(client, f.applicant(owner))
    client.post("/applications/apply/?new=1", {"document_passport": "passport.renewal"}, headers=EN)
    client.post("/applications/apply/details/", {"phone": "13800000001"}, headers=EN)

    response = client.post(
        "/applications/apply/options/",
        {
            "channel": "online",
            "priority": "normal",
            "delivery_method": "pickup",
            "pickup_point": jinan_hall.pk,
        },
        headers=EN,
    )

    assert 'data-code="no_fingerprints"' in text(response)
    assert "Book an appointment" in text(response)


def test_the_options_page_explains_each_missing_answer(signed_in, jinan_hall):
    signed_in.post(
        "/applications/apply/?new=1", {"document_passport": "passport.replacement_lost"}, headers=EN
    )
    signed_in.post("/applications/apply/details/", {"phone": "13800000001"}, headers=EN)

    response = signed_in.post(
        "/applications/apply/options/",
        {"channel": "online", "priority": "emergency", "delivery_method": "mail"},
        headers=EN,
    )

    assert response.status_code == 422
    page = text(response)
    for message in (
        "Say what the emergency is.",
        "Give the address the courier should deliver to.",
        "Give the date you lost it.",
        "Tick the box to declare the document lost.",
    ):
        assert message in page
    assert 'href="#id_emergency_reason_0"' in page


def test_a_bad_file_on_the_documents_page_is_explained(signed_in, jinan_hall):
    walk_to_documents(signed_in, jinan_hall)
    signed_in.post("/applications/apply/face-check/", headers=EN)

    response = signed_in.post(
        "/applications/apply/documents/",
        {"file_resident_id_card": SimpleUploadedFile("id.png", b"not a picture", content_type="image/png")},
        headers=EN,
    )

    assert response.status_code == 422
    assert "Send a PDF, JPEG or PNG file." in text(response)
    assert 'href="#id_file_resident_id_card"' in text(response)


def test_the_detail_page_takes_a_missing_document(signed_in, applicant, jinan_hall):
    walk_to_documents(signed_in, jinan_hall)
    signed_in.post("/applications/apply/face-check/", headers=EN)
    signed_in.post("/applications/apply/documents/", {}, headers=EN)
    check = signed_in.get("/applications/apply/check/", headers=EN)
    assert "Not uploaded yet" in text(check)
    token = re.search(r'name="token" value="([0-9a-f]+)"', text(check)).group(1)
    sent = signed_in.post("/applications/apply/check/", {"token": token, "declaration": "on"}, headers=EN)
    number = Application.objects.get().number

    bad = signed_in.post(
        f"/applications/{number}/upload/",
        {
            "material": "resident_id_card",
            "file": SimpleUploadedFile("x.txt", b"hello", content_type="text/plain"),
        },
        headers=EN,
    )
    good = signed_in.post(
        f"/applications/{number}/upload/",
        {
            "material": "resident_id_card",
            "file": SimpleUploadedFile("id.png", f.png(), content_type="image/png"),
        },
        headers=EN,
    )

    assert sent.status_code == 302
    assert bad.status_code == 422
    assert 'href="#file-resident_id_card"' in text(bad)
    assert good.status_code == 302
    material = Application.objects.get().materials.get(code="resident_id_card")
    assert material.status == MaterialStatus.UPLOADED


def test_my_applications_lists_what_i_sent(signed_in, applicant, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall, account=applicant)

    page = signed_in.get("/applications/mine/", headers=EN)

    assert item.application.number in text(page)
    assert "Being checked" in text(page)


def test_someone_elses_application_is_not_found(signed_in, jinan_hall):
    other = f.make_item(f.person(), jinan_hall)

    assert signed_in.get(f"/applications/{other.application.number}/").status_code == 404


def test_an_uploaded_file_is_served_to_its_owner_and_officers_only(
    client, applicant, resident, jinan_hall, officer
):
    item = f.make_item(resident, jinan_hall, account=applicant)
    item.application.materials.create(
        material=Material.objects.get(code="photo"),
        code="photo",
        status=MaterialStatus.REQUESTED,
        updated_at=item.updated_at,
    )
    upload = services.upload_material(
        applicant,
        item.application.number,
        material_code="photo",
        stream=SimpleUploadedFile("me.png", f.png()),
        name="me.png",
    )

    sign_in(client, applicant)
    assert client.get(f"/applications/uploads/{upload.pk}/")["Content-Type"] == "image/png"
    sign_in(client, officer)
    served = client.get(f"/applications/uploads/{upload.pk}/")
    assert served.status_code == 200
    assert AuditEvent.objects.filter(action="personal_record.viewed", actor=officer).exists()
    sign_in(client, f.applicant())
    assert client.get(f"/applications/uploads/{upload.pk}/").status_code == 404


def test_the_officer_reviews_and_approves_from_the_console(client, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall, accepted_on=f.TODAY, promised_date=dt.date(2026, 10, 8))
    sign_in(client, officer)

    queue = client.get("/officer/", headers=EN)
    review = client.get(f"/officer/items/{item.pk}/", headers=EN)
    approved = client.post(f"/officer/items/{item.pk}/approve/", {"note": ""}, headers=EN)

    assert item.application.number in text(queue)
    assert resident.id_number in text(review)  # the full record, logged
    assert AuditEvent.objects.filter(action="personal_record.viewed", actor=officer).exists()
    assert approved["Location"] == f"/officer/items/{item.pk}/"
    assert ApplicationItem.objects.get(pk=item.pk).status in {"approved", "in_production"}


def test_a_refusal_without_reason_is_explained_on_the_console(client, officer, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall)
    sign_in(client, officer)

    response = client.post(f"/officer/items/{item.pk}/reject/", {"reason": ""}, headers=EN)

    assert response.status_code == 422
    assert "There is a problem" in text(response)
    assert ApplicationItem.objects.get(pk=item.pk).status == "under_review"


def test_the_hand_over_with_a_wrong_id_ending_is_refused_on_the_console(
    client, officer, resident, jinan_hall
):
    item = f.make_item(resident, jinan_hall, status="ready_for_pickup")
    sign_in(client, officer)

    wrong = client.post(f"/officer/items/{item.pk}/hand-over/", {"id_last4": "0000"}, headers=EN)
    right = client.post(
        f"/officer/items/{item.pk}/hand-over/", {"id_last4": resident.id_number[-4:]}, headers=EN
    )

    assert wrong.status_code == 422
    assert "Do not hand over" in text(wrong)
    assert right.status_code == 302
    assert ApplicationItem.objects.get(pk=item.pk).status == "collected"


def test_applicants_cannot_open_the_console(signed_in):
    assert signed_in.get("/officer/").status_code == 403


def test_the_sla_page_lists_breaches_for_supervisors(client, supervisor, jinan_hall):
    item = f.make_item(f.person(), jinan_hall, accepted_on=f.TODAY, promised_date=dt.date(2026, 10, 8))
    services.sla_watch(dt.date(2026, 10, 12))
    sign_in(client, supervisor)

    page = client.get("/officer/sla/?level=breach&open=0&open=1", headers=EN)

    assert page.status_code == 200
    assert item.application.number in text(page)
    assert "Promised date missed" in text(page)


def test_officers_cannot_open_the_sla_page(client, officer):
    sign_in(client, officer)

    assert client.get("/officer/sla/").status_code == 403


def test_staff_are_sent_to_the_console_from_the_apply_form(client, officer):
    sign_in(client, officer)

    response = client.get("/applications/apply/", headers=EN)

    assert response.status_code == 403
    assert "This form is for applicants" in text(response)


def test_an_accepted_item_without_a_promised_date_is_not_called_unaccepted(
    client, signed_in, resident, officer, jinan_hall
):
    # Accepted in December while next year's holiday calendar is unknown: no date can be counted.
    accepted = f.make_item(resident, jinan_hall, accepted_on=dt.date(2026, 12, 7), promised_date=None)
    waiting = f.make_item(f.person(), jinan_hall, status="needs_more_materials")

    detail = text(signed_in.get(f"/applications/{accepted.application.number}/", headers=EN))
    assert "Accepted; the date is not set yet" in detail
    assert "Set when we have everything" not in detail

    sign_in(client, officer)
    queue = client.get("/officer/", headers=EN).content.decode()
    rows = re.findall(r"<tr>.*?</tr>", queue, flags=re.S)
    (accepted_row,) = [row for row in rows if accepted.application.number in row]
    (waiting_row,) = [row for row in rows if waiting.application.number in row]
    assert "Accepted; the date is not set yet" in accepted_row
    assert "Not yet accepted" in waiting_row


def test_a_manager_opens_the_queue_and_sla_page(client, jinan_hall):
    manager = f.staff(Role.MANAGER)
    sign_in(client, manager)

    assert client.get("/officer/").status_code == 200
    assert client.get("/officer/sla/").status_code == 200


def test_the_admin_shows_applications_masked_and_read_only(client, resident, jinan_hall):
    item = f.make_item(resident, jinan_hall)
    admin_user = f.applicant(f.person())
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.role = Role.ADMIN
    admin_user.save()
    sign_in(client, admin_user)

    listing = client.get("/admin/applications/application/")
    item_page = client.get(f"/admin/applications/applicationitem/{item.pk}/change/")

    assert listing.status_code == 200
    assert resident.masked_id_number in text(listing)
    assert resident.id_number not in text(listing)
    assert item_page.status_code == 200
    assert client.get("/admin/applications/application/add/").status_code == 403
