from __future__ import annotations

import datetime as dt

import pytest

from exitentry.kiosk import visit
from exitentry.kiosk.models import EndorsementStatus, InstantEndorsement
from exitentry.kiosk.tests import factories as f
from exitentry.payments.models import Order


@pytest.fixture
def kiosk_client(client, kiosk):
    """A browser bound to the kiosk (as after the setup page), visit in Chinese."""
    _device, token = kiosk
    response = client.post("/kiosk/setup/", {"token": token})
    assert response.status_code == 302
    return client


def test_an_unregistered_browser_is_sent_to_the_setup_page(client):
    response = client.get("/kiosk/")

    assert response.status_code == 302
    assert response["Location"] == "/kiosk/setup/"


def test_a_wrong_token_on_the_setup_page_is_refused(client, kiosk):
    response = client.post("/kiosk/setup/", {"token": "kd_wrong"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "This token does not belong to a registered kiosk." in response.content.decode()


def test_kiosk_pages_are_never_stored_by_the_browser(kiosk_client):
    response = kiosk_client.get("/kiosk/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_choosing_a_language_starts_a_visit_in_that_language(kiosk_client):
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    response = kiosk_client.get("/kiosk/menu/")

    assert response.status_code == 200
    assert "What would you like to do?" in response.content.decode()


def test_an_unreadable_card_gives_a_clear_message(kiosk_client):
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    response = kiosk_client.post("/kiosk/card/?next=endorsement", {"slot": "damaged"})

    assert response.status_code == 422
    assert "The identity card could not be read." in response.content.decode()


def test_the_card_fills_the_visit_and_the_endorsement_choices(kiosk_client):
    owner, _permit = f.permit_holder("confirmed", endorsements=["G"])
    user = f.applicant_user(owner)
    kiosk_client.post("/kiosk/language/", {"language": "en"})

    read = kiosk_client.post("/kiosk/card/?next=endorsement", {"slot": user.username})
    page = kiosk_client.get("/kiosk/endorsement/")

    assert read.status_code == 302
    assert read["Location"] == "/kiosk/endorsement/"
    body = page.content.decode()
    assert owner.full_name in body
    assert owner.masked_id_number in body
    assert owner.id_number not in body
    assert 'value="hk_macau_endorsement.S"' in body


def test_a_whole_endorsement_visit_through_the_pages(
    kiosk_client, client, django_capture_on_commit_callbacks
):
    owner, permit = f.permit_holder("confirmed", endorsements=["G"])
    user = f.applicant_user(owner)
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    kiosk_client.post("/kiosk/card/?next=endorsement", {"slot": user.username})

    started = kiosk_client.post(
        "/kiosk/endorsement/start/", {"service": "hk_macau_endorsement.S", "key": "page-visit-01"}
    )
    endorsement = InstantEndorsement.objects.get()
    waiting = kiosk_client.get(started["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        f.pay(client, Order.objects.get(number=endorsement.order_number))
    done = kiosk_client.post(f"/kiosk/endorsement/{endorsement.number}/advance/")

    assert started["Location"] == f"/kiosk/endorsement/{endorsement.number}/"
    assert "<svg" in waiting.content.decode()
    assert "data-kiosk-busy" in waiting.content.decode()  # the idle timer waits for the payment
    assert "Done: your endorsement is printed on your permit." in done.content.decode()
    assert "data-kiosk-busy" not in done.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.status == EndorsementStatus.ISSUED
    permit.refresh_from_db()
    assert permit.endorsements == ["G", "S"]


def test_an_idle_visit_is_wiped_on_the_server(kiosk_client, clock):
    owner, _permit = f.permit_holder("confirmed")
    user = f.applicant_user(owner)
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    kiosk_client.post("/kiosk/card/?next=endorsement", {"slot": user.username})
    assert kiosk_client.session[visit.KEY]["card"]["full_name"] == owner.full_name

    clock.shift(dt.timedelta(seconds=91))
    response = kiosk_client.get("/kiosk/endorsement/")

    assert response.status_code == 302
    assert response["Location"] == "/kiosk/?ended=idle"
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert visit.KEY not in kiosk_client.session


def test_finishing_a_visit_forgets_everything(kiosk_client):
    owner, _permit = f.permit_holder("confirmed")
    user = f.applicant_user(owner)
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    kiosk_client.post("/kiosk/card/?next=form", {"slot": user.username})

    response = kiosk_client.post("/kiosk/end/")

    assert response["Location"] == "/kiosk/?ended=done"
    assert visit.KEY not in kiosk_client.session


def test_the_application_form_is_printed_prefilled_with_an_embedded_cjk_font(kiosk_client):
    owner, _permit = f.permit_holder("confirmed")
    user = f.applicant_user(owner)
    kiosk_client.post("/kiosk/language/", {"language": "zh-hans"})
    kiosk_client.post("/kiosk/card/?next=form", {"slot": user.username})

    page = kiosk_client.get("/kiosk/form/")
    pdf = kiosk_client.get("/kiosk/form/application-form.pdf")

    assert owner.full_name in page.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"FontFile2" in pdf.content  # the TrueType font travels inside the file


def test_a_passport_scan_adds_the_passport_to_the_form(kiosk_client):
    from pathlib import Path

    kiosk_client.post("/kiosk/language/", {"language": "en"})
    image = (Path(__file__).resolve().parent / "fixtures" / "passport_valid.png").open("rb")
    with image:
        response = kiosk_client.post("/kiosk/form/", {"passport": image})

    assert response.status_code == 200
    body = response.content.decode()
    assert "EA1234567" in body
    assert "ZHANG WEI" in body


def _blank_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (260, 330), (35, 35, 35)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_burst_of_photos_gets_the_best_chosen_and_reasons_for_the_others(kiosk_client):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    portrait = Path(__file__).resolve().parents[2] / "photos" / "tests" / "data" / "astronaut-portrait.png"
    kiosk_client.post("/kiosk/language/", {"language": "en"})
    shots = [
        SimpleUploadedFile("shot1.png", _blank_png(), content_type="image/png"),
        SimpleUploadedFile("shot2.png", portrait.read_bytes(), content_type="image/png"),
    ]

    response = kiosk_client.post("/kiosk/photo/", {"shots": shots})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Photo 2 is the best" in body
    assert 'data-problem="no_face"' in body
    assert "data:image/jpeg;base64," in body
    assert kiosk_client.session[visit.KEY]["photo_chosen"] is True
