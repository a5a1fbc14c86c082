"""Printable documents of an application: the application form and the payment receipt (PDF).

Both are for the applicant (or whoever sent the form) and for officers of the handling service
point only; every download is logged with `record_access` (they carry the full ID number). They
are rendered in the reader's language with `core.pdf` and carry a QR code of the tracking address
for this application.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from exitentry.accounts.models import User
from exitentry.applications import services
from exitentry.applications.models import Application, ApplicationItem
from exitentry.audit.services import record_access
from exitentry.core import clock, pdf
from exitentry.core.errors import Conflict


class ReceiptNotAvailable(Conflict):
    code = "receipt_not_available"
    default_message = _("There is no receipt yet: nothing has been paid for this application.")


def tracking_url(application: Application, base_url: str) -> str:
    query = urlencode({"number": application.number})
    return f"{base_url.rstrip('/')}{reverse('applications:track')}?{query}"


def _money(amount: Decimal | None) -> str:
    return f"¥{amount or Decimal('0'):,.2f}"


def _date(value: Any) -> str:
    return formats.date_format(value, "Y-m-d") if value else "—"


def _when(value: Any) -> str:
    return formats.date_format(clock.to_local(value), "Y-m-d H:i") if value else "—"


def _header(application: Application, title: str, base_url: str) -> list[Any]:
    s = pdf.styles()
    heading = [
        pdf.paragraph(title, s["title"]),
        pdf.paragraph(
            gettext("Application number: %(number)s") % {"number": application.number}, s["heading"]
        ),
        pdf.paragraph(gettext("Printed on %(date)s") % {"date": _when(clock.now())}, s["small"]),
    ]
    qr = pdf.qr_flowable(tracking_url(application, base_url), size_mm=28)
    table = Table([[heading, qr]], colWidths=[None, 32 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        table,
        pdf.paragraph(
            gettext(
                "Scan the code, or go to %(url)s, and enter the last 4 characters "
                "of the ID number to track it."
            )
            % {"url": tracking_url(application, base_url)},
            s["small"],
        ),
        Spacer(1, 3 * mm),
    ]


def _items(application: Application) -> list[ApplicationItem]:
    return list(application.items.select_related("service").order_by("sort_order", "pk"))


def _grid(rows: list[list[str]], widths: list[float]) -> Table:
    s = pdf.styles()
    data = [
        [pdf.paragraph(cell, s["label"] if index == 0 else s["body"]) for cell in row]
        for index, row in enumerate(rows)
    ]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), "#F2F4F7"),
                ("GRID", (0, 0), (-1, -1), 0.5, "#B8BEC8"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def application_form_pdf(application: Application, *, base_url: str) -> bytes:
    """The filled-in form: personal data, every item with fee and promised date, materials."""
    s = pdf.styles()
    title = gettext("Exit-entry application form")
    story: list[Any] = _header(application, title, base_url)
    story.append(pdf.paragraph(gettext("Applicant"), s["heading"]))
    delivery = (
        gettext("Collect at %(place)s") % {"place": application.pickup_point.name}
        if application.pickup_point
        else gettext("By courier to %(address)s") % {"address": application.delivery_address}
    )
    story.append(
        pdf.key_value_table(
            [
                (gettext("Full name"), application.full_name),
                (gettext("Resident ID number"), application.id_number),
                (gettext("Date of birth"), _date(application.birth_date)),
                (gettext("Sex"), gettext("Male") if application.sex == "M" else gettext("Female")),
                (gettext("Contact phone"), application.phone),
                (gettext("Channel"), str(application.get_channel_display())),
                (gettext("Priority"), str(application.get_priority_display())),
                (
                    gettext("Zero-visit application"),
                    gettext("Yes") if application.zero_visit else gettext("No"),
                ),
                (gettext("Handled by"), application.service_point.name),
                (gettext("Delivery"), delivery),
                (gettext("Submitted at"), _when(application.submitted_at)),
                (gettext("Accepted at"), _when(application.accepted_at)),
            ]
        )
    )
    story.append(pdf.paragraph(gettext("Documents applied for"), s["heading"]))
    rows = [[gettext("Document"), gettext("Status"), gettext("Fee"), gettext("Promised date")]]
    for item in _items(application):
        name = str(item.service.name) + (f" ({item.get_entries_display()})" if item.entries else "")
        rows.append([name, str(item.get_status_display()), _money(item.fee), _date(item.promised_date)])
    rows.append([gettext("Total"), "", _money(application.total_fee), ""])
    story.append(_grid(rows, [78, 42, 24, 30]))
    story.append(pdf.paragraph(gettext("Supporting documents"), s["heading"]))
    material_rows = [[gettext("Document"), gettext("Status")]]
    for material in application.materials.select_related("material").order_by("sort_order", "pk"):
        material_rows.append([str(material.material.name), str(material.get_status_display())])
    story.append(_grid(material_rows, [104, 70]))
    story.append(Spacer(1, 6 * mm))
    story.append(
        pdf.paragraph(gettext("I declare that the information in this form is true and complete."), s["body"])
    )
    return pdf.build_pdf(title=f"{title} {application.number}", story=story)


def _paid_order(application: Application) -> Any:
    from exitentry.payments.models import SETTLED_STATUSES, Order, PaymentOutcome

    order = (
        Order.objects.filter(number=application.payment_order_id, status__in=SETTLED_STATUSES)
        .prefetch_related("lines")
        .first()
        if application.payment_order_id
        else None
    )
    if order is None:
        raise ReceiptNotAvailable(number=application.number)
    payments = list(order.payments.filter(outcome=PaymentOutcome.APPLIED).order_by("verified_at", "pk"))
    return order, payments


def receipt_pdf(application: Application, *, base_url: str) -> bytes:
    """The receipt of the paid order: lines, amounts, payment service and its transaction id."""
    order, payments = _paid_order(application)
    s = pdf.styles()
    title = gettext("Payment receipt")
    story: list[Any] = _header(application, title, base_url)
    story.append(
        pdf.key_value_table(
            [
                (gettext("Payer"), application.full_name),
                (gettext("Order number"), order.number),
                (gettext("Order status"), str(order.get_status_display())),
                (gettext("Paid at"), _when(order.paid_at)),
                (gettext("Amount paid"), _money(order.amount)),
                (gettext("Refunded"), _money(order.refunded_amount)),
            ]
        )
    )
    story.append(pdf.paragraph(gettext("What was paid for"), s["heading"]))
    rows = [[gettext("Item"), gettext("Amount"), gettext("Refunded")]]
    for line in order.lines.all():
        rows.append([line.description, _money(line.amount), _money(line.refunded_amount)])
    rows.append([gettext("Total"), _money(order.amount), _money(order.refunded_amount)])
    story.append(_grid(rows, [110, 32, 32]))
    story.append(pdf.paragraph(gettext("Payment"), s["heading"]))
    pay_rows = [
        [gettext("Payment service"), gettext("Transaction id"), gettext("Amount"), gettext("Confirmed at")]
    ]
    for payment in payments:
        pay_rows.append(
            [
                str(payment.get_gateway_display()),
                payment.gateway_transaction_id,
                _money(payment.amount),
                _when(payment.verified_at),
            ]
        )
    story.append(_grid(pay_rows, [40, 70, 28, 36]))
    return pdf.build_pdf(title=f"{title} {application.number}", story=story)


def _readable(user: User, number: str, purpose: str, request: HttpRequest | None) -> Application:
    """The owner's application or one of an officer's points; the download is logged either way."""
    application = services.application_for(user, number, request=request)
    if user.pk in (application.applicant_id, application.submitted_by_id):
        record_access(user, application, purpose=purpose, request=request)
    return application


def form_pdf_for(
    user: User, number: str, *, base_url: str, request: HttpRequest | None = None
) -> tuple[str, bytes]:
    application = _readable(user, number, "application_form_pdf", request)
    return f"{application.number}-form.pdf", application_form_pdf(application, base_url=base_url)


def receipt_pdf_for(
    user: User, number: str, *, base_url: str, request: HttpRequest | None = None
) -> tuple[str, bytes]:
    application = _readable(user, number, "payment_receipt_pdf", request)
    return f"{application.number}-receipt.pdf", receipt_pdf(application, base_url=base_url)


def receipt_available(application: Application) -> bool:
    """True when the application's order was paid (a receipt can be printed)."""
    from exitentry.payments.models import SETTLED_STATUSES, Order

    if not application.payment_order_id:
        return False
    return Order.objects.filter(number=application.payment_order_id, status__in=SETTLED_STATUSES).exists()
