"""The printable application form and payment receipt (PDF): who may read them, what they say."""

from __future__ import annotations

import re
import zlib

from exitentry.applications.models import Application
from exitentry.applications.tests import factories as f
from exitentry.audit.models import AuditEvent
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import Order, Payment

SERVICES = ["passport.renewal", "hk_macau_permit.renewal", "hk_macau_endorsement.G"]


def apply(api, user, point):
    response = api.post(
        "/applications",
        f.application_body(SERVICES, pickup=point.pk),
        headers={**f.bearer(user), "Idempotency-Key": "doc-1"},
    )
    assert response.status_code == 201, response.json()
    return Application.objects.get(number=response.json()["number"])


def pay(client, application):
    order = Order.objects.get(number=application.payment_order_id)
    headers, body = SandboxGateway("wechat_pay").callback(order.number, order.amount, succeeded=True)
    response = client.post(
        "/api/v1/payments/callbacks/wechat_pay", body, content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content
    return Payment.objects.get(order=order)


def text_of(data: bytes) -> str:
    """The ASCII runs the PDF's page streams draw (our digits and Latin text are ASCII-readable)."""
    import base64

    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        body = raw.strip()
        if body.endswith(b"~>"):
            body = base64.a85decode(body if body.startswith(b"<~") else b"<~" + body, adobe=True)
        try:
            out.append(zlib.decompressobj().decompress(body).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(re.findall(r"\((.*?)\) Tj", "\n".join(out)))


def test_the_owner_downloads_the_form_with_number_id_and_every_item(api, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)

    response = api.get(f"/applications/{application.number}/form.pdf", headers=f.bearer(applicant))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{application.number}-form.pdf"'
    text = text_of(response.content)
    assert application.number in text
    assert application.id_number in text
    assert text.count("120.00") == 1  # the passport fee; the permit is 60, the G endorsement 15
    assert b"/FontFile2" in response.content
    access = AuditEvent.objects.filter(action="personal_record.viewed").latest("pk")
    assert (access.actor, access.summary["purpose"]) == (applicant, "application_form_pdf")


def test_someone_else_gets_404_for_the_form_and_the_receipt(api, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    stranger = f.applicant()

    for name in ("form.pdf", "receipt.pdf"):
        response = api.get(f"/applications/{application.number}/{name}", headers=f.bearer(stranger))
        assert (response.status_code, response.json()["code"]) == (404, "application_not_found")


def test_an_officer_of_another_point_cannot_print_but_one_of_the_hall_can(
    api, applicant, jinan_hall, qingdao_hall, officer
):
    from exitentry.accounts.models import Role

    application = apply(api, applicant, jinan_hall)
    outsider = f.staff(Role.OFFICER, qingdao_hall)

    assert (
        api.get(f"/applications/{application.number}/form.pdf", headers=f.bearer(outsider)).status_code == 404
    )
    response = api.get(f"/applications/{application.number}/form.pdf", headers=f.bearer(officer))
    assert response.status_code == 200
    access = AuditEvent.objects.filter(action="personal_record.viewed").latest("pk")
    assert access.actor == officer


def test_there_is_no_receipt_before_payment(api, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)

    response = api.get(f"/applications/{application.number}/receipt.pdf", headers=f.bearer(applicant))

    assert (response.status_code, response.json()["code"]) == (409, "receipt_not_available")


def test_the_receipt_shows_the_order_amount_and_the_gateway_transaction(api, client, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    payment = pay(client, application)

    response = api.get(f"/applications/{application.number}/receipt.pdf", headers=f.bearer(applicant))

    assert response.status_code == 200
    text = text_of(response.content)
    assert payment.order.number in text
    assert payment.gateway_transaction_id in text
    assert "195.00" in text  # 120 + 60 + 15


def test_the_detail_page_links_the_form_and_after_payment_the_receipt(api, client, applicant, jinan_hall):
    application = apply(api, applicant, jinan_hall)
    client.force_login(applicant)
    form_url = f"/applications/{application.number}/form.pdf"
    receipt_url = f"/applications/{application.number}/receipt.pdf"

    before = client.get(f"/applications/{application.number}/").content.decode()
    pay(client, application)
    after = client.get(f"/applications/{application.number}/").content.decode()
    page_pdf = client.get(form_url)

    assert form_url in before
    assert receipt_url not in before
    assert receipt_url in after
    assert (page_pdf.status_code, page_pdf["Content-Type"]) == (200, "application/pdf")
