"""Applications API at /api/v1/applications, and tracking at /api/v1/track.

Every endpoint parses, authorises and calls one service function; the rules live in services.py.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import IO, Any, cast

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from ninja import File, Form, Header, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field

from exitentry.accounts.auth import api_auth
from exitentry.applications import bulk, documents, services, shipping
from exitentry.applications.adapters import CourierScan
from exitentry.applications.eligibility import check_zero_visit
from exitentry.applications.models import (
    Application,
    ApplicationItem,
    BulkFiling,
    ItemStatus,
    Priority,
    SlaFlag,
)
from exitentry.applications.schemas import (
    ApplicantOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationSummaryOut,
    ApproveIn,
    BulkApplicationOut,
    BulkErrorsOut,
    BulkFilingOut,
    BulkRowErrorOut,
    CourierAckOut,
    CourierEventIn,
    DispatchIn,
    EligibilityIn,
    EligibilityOut,
    EventOut,
    FailureOut,
    HandOverIn,
    ItemOut,
    MaterialOut,
    PermitInOut,
    PermitShipmentIn,
    PlaceOut,
    QueueItemOut,
    RejectIn,
    RequestMaterialsIn,
    SlaFlagOut,
    TrackOut,
    UploadOut,
)
from exitentry.catalog import services as catalog
from exitentry.catalog.models import Holder
from exitentry.core.errors import NotAuthenticated
from exitentry.core.masking import mask_id_number, mask_name, mask_phone
from exitentry.core.schemas import ErrorOut

router = Router(tags=["applications"])
tracking_router = Router(tags=["tracking"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None)
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def money(amount: Decimal) -> str:
    """Amounts leave as strings with two decimals ("120.00"): exact, never a float."""
    return f"{amount:.2f}"


def place_out(point: Any) -> PlaceOut:
    return PlaceOut(
        id=point.pk, name=point.name, address=point.address, phone=point.phone, city=point.city.name
    )


def payment_url(application: Application) -> str | None:
    if not application.payment_order_id:
        return None
    try:
        return reverse("payments:order", args=[application.payment_order_id])
    except NoReverseMatch:
        return None


def item_out(item: ApplicationItem) -> ItemOut:
    return ItemOut(
        id=item.pk,
        service=item.service_code,
        name=item.service.name,
        status=item.status,
        status_label=str(item.get_status_display()),
        entries=item.entries or None,
        standard_fee_cny=money(item.standard_fee),
        fee_cny=money(item.fee),
        accepted_on=item.accepted_on,
        promised_date=item.promised_date,
        decision_reason=item.decision_reason,
        courier=item.courier,
        tracking_number=item.tracking_number,
        permit_in=permit_in_out(item),
        events=[
            EventOut(
                at=event.at,
                status=event.to_status,
                status_label=str(ItemStatus(event.to_status).label),
                action=event.action,
            )
            for event in item.events.all()
        ],
    )


def permit_in_out(item: ApplicationItem) -> PermitInOut | None:
    if not shipping.waits_for_permit(item):
        return None
    shipment = shipping.inbound_shipment(item)
    point = item.application.service_point
    return PermitInOut(
        hall_name=point.name,
        hall_address=point.address,
        hall_phone=point.phone,
        courier=shipment.courier if shipment else "",
        tracking_number=shipment.tracking_number if shipment else "",
        sent_at=shipment.booked_at if shipment else None,
        received_at=item.permit_received_at,
    )


def application_out(application: Application) -> ApplicationOut:
    items = list(application.items.select_related("service").prefetch_related("events"))
    status = services.overall_status(item.status for item in items)
    dates = [item.promised_date for item in items if item.promised_date]
    return ApplicationOut(
        number=application.number,
        status=status,
        status_label=str(ItemStatus(status).label),
        channel=application.channel,
        priority=application.priority,
        zero_visit=application.zero_visit,
        delivery_method=application.delivery_method,
        permit_by_mail=application.permit_by_mail,
        pickup_point=place_out(application.pickup_point) if application.pickup_point else None,
        service_point=place_out(application.service_point),
        submitted_at=application.submitted_at,
        accepted_at=application.accepted_at,
        promised_date=max(dates) if dates else None,
        total_fee_cny=money(application.total_fee),
        payment_order=application.payment_order_id or None,
        payment_url=payment_url(application),
        applicant=ApplicantOut(
            full_name=application.full_name,
            id_number_masked=mask_id_number(application.id_number),
            phone_masked=mask_phone(application.phone),
        ),
        items=[item_out(item) for item in items],
        materials=[
            MaterialOut(
                code=material.code,
                name=material.material.name,
                status=material.status,
                status_label=str(material.get_status_display()),
                source=material.source,
                source_outcome=material.source_outcome,
                note=material.note,
                uploads=[upload_out(upload) for upload in material.uploads.all()],
            )
            for material in application.materials.select_related("material").prefetch_related("uploads")
        ],
    )


def upload_out(upload: Any) -> UploadOut:
    return UploadOut(
        id=upload.pk,
        material=upload.material_code,
        content_type=upload.content_type,
        size=upload.size,
        original_name=upload.original_name,
        uploaded_at=upload.uploaded_at,
    )


def form_from(payload: ApplicationIn) -> services.ApplicationForm:
    loss = payload.loss_declaration
    return services.ApplicationForm(
        services=tuple(payload.services),
        entries=dict(payload.entries),
        channel=payload.channel,
        priority=payload.priority,
        emergency_reason=payload.emergency_reason,
        emergency_details=payload.emergency_details,
        delivery_method=payload.delivery.method,
        pickup_point_id=payload.delivery.service_point_id,
        delivery_address=payload.delivery.address,
        permit_by_mail=payload.delivery.permit_by_mail,
        phone=payload.phone,
        lost_on=loss.lost_on if loss else None,
        lost_where=loss.place if loss else "",
        loss_circumstances=loss.circumstances if loss else "",
        face_check_reference=payload.face_check_reference,
        person_id_number=payload.person_id_number,
        service_point_id=payload.service_point_id,
    )


# --- Applicants --------------------------------------------------------------------------------


@router.post("", response={201: ApplicationOut, 413: ErrorOut, **ERRORS}, auth=api_auth)
def submit(
    request: HttpRequest,
    payload: ApplicationIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[ApplicationOut]:
    """Create and submit one application for several documents. Send an `Idempotency-Key`: a retry
    with the same key and body returns the same application, never a second one.

    422 `not_eligible_for_zero_visit` lists each failed condition (`details.failures`), the nearest
    halls and a booking link; 409 `already_applied` when an application for the same document is
    still open.
    """
    submission = services.submit_application(
        submitted_by=_user(request), form=form_from(payload), idempotency_key=idempotency_key, request=request
    )
    return Status(201, application_out(submission.application))


@router.get("", response={200: list[ApplicationSummaryOut], 401: ErrorOut}, auth=api_auth)
def my_applications(request: HttpRequest) -> list[ApplicationSummaryOut]:
    """The caller's applications, newest first."""
    out = []
    for application in services.applications_of(_user(request))[:200]:
        items = list(application.items.all())
        status = services.overall_status(item.status for item in items)
        dates = [item.promised_date for item in items if item.promised_date]
        out.append(
            ApplicationSummaryOut(
                number=application.number,
                status=status,
                status_label=str(ItemStatus(status).label),
                submitted_at=application.submitted_at,
                promised_date=max(dates) if dates else None,
                total_fee_cny=money(application.total_fee),
                services=[item.service.name for item in items],
            )
        )
    return out


@router.post(
    "/eligibility/zero-visit", response={200: EligibilityOut, 401: ErrorOut, 422: ErrorOut}, auth=api_auth
)
def zero_visit_eligibility(request: HttpRequest, payload: EligibilityIn) -> EligibilityOut:
    """Can the caller renew or replace these documents fully online? Every failing condition is
    listed with a code and a sentence; when not eligible, the nearest halls and a booking link."""
    user = _user(request)
    chosen = list(catalog.active_services(payload.services))
    known = {service.code for service in chosen}
    unknown = [code for code in payload.services if code not in known]
    if unknown:
        raise catalog.UnknownService(unknown=unknown)
    foreign = [service.code for service in chosen if service.document_type.holder != Holder.CITIZEN]
    if foreign:
        raise services.ServiceForForeigners(field="services", services=foreign)
    person = user.person if user.person_id else None
    result = check_zero_visit(person, chosen, face_reference=payload.face_check_reference or None)
    return EligibilityOut(
        eligible=result.eligible,
        failures=[FailureOut(code=f.code, message=f.message, service=f.service) for f in result.failures],
        where_to_go=[
            PlaceOut(id=p.id, name=p.name, address=p.address, phone=p.phone, city=p.city_name)
            for p in result.where_to_go
        ],
        booking_url=result.booking_url or None,
    )


# --- Staff lists (registered before /{number} so their paths win) ------------------------------


@router.get("/queue", response={200: list[QueueItemOut], **ERRORS}, auth=api_auth)
def work_queue(request: HttpRequest, status: list[str] = Query(None)) -> list[QueueItemOut]:  # noqa: B008
    """The work queue of the caller's service points: earliest promised date first, then priority."""
    return [
        QueueItemOut(
            id=item.pk,
            number=item.application.number,
            service=item.service_code,
            name=item.service.name,
            status=item.status,
            status_label=str(item.get_status_display()),
            priority=item.application.priority,
            priority_label=str(Priority(item.application.priority).label),
            promised_date=item.promised_date,
            submitted_at=item.application.submitted_at,
            applicant=mask_name(item.application.full_name),
            service_point_id=item.application.service_point_id,
        )
        for item in services.work_queue(_user(request), statuses=status or None)
    ]


def sla_flag_out(flag: SlaFlag) -> SlaFlagOut:
    return SlaFlagOut(
        item=flag.item_id,
        number=flag.item.application.number,
        service=flag.item.service_code,
        level=flag.level,
        level_label=str(flag.get_level_display()),
        flagged_at=flag.flagged_at,
        promised_date=flag.promised_date,
        used_percent=flag.used_percent,
        status=flag.item.status,
        service_point_id=flag.item.application.service_point_id,
    )


@router.get("/sla-flags", response={200: list[SlaFlagOut], **ERRORS}, auth=api_auth)
def sla_flags(request: HttpRequest, level: str | None = None, open_only: bool = True) -> list[SlaFlagOut]:
    """Items flagged by the SLA watch (supervisors: their service points; managers: all)."""
    return [
        sla_flag_out(flag)
        for flag in services.sla_flags_for(_user(request), level=level, open_only=open_only)
    ]


# --- Enterprise green channel (before "/{number}": these paths would match it) ---------------


def filing_out(filing: BulkFiling) -> BulkFilingOut:
    applications = list(filing.applications.prefetch_related("items__service").order_by("pk"))
    return BulkFilingOut(
        id=filing.pk,
        organisation=filing.organisation,
        file_name=filing.file_name,
        row_count=filing.row_count,
        created_at=filing.created_at,
        pickup_point=place_out(filing.pickup_point),
        applications=[
            BulkApplicationOut(
                number=application.number,
                full_name=application.full_name,
                id_number_masked=mask_id_number(application.id_number),
                status=(status := services.application_status(application)),
                status_label=str(ItemStatus(status).label),
                promised_date=services.promised_date_of(application),
                services=[item.service_code for item in application.items.all()],
            )
            for application in applications
        ],
    )


@router.post(
    "/bulk",
    response={201: BulkFilingOut, 200: BulkFilingOut, 413: ErrorOut, **ERRORS, 422: BulkErrorsOut},
    auth=api_auth,
)
def bulk_file(request: HttpRequest, pickup_point_id: Form[int], file: File[UploadedFile]) -> Status[Any]:
    """Enterprise account: file one application per employee from a spreadsheet (multipart `file`:
    .xlsx, or .csv in UTF-8 or GBK, columns name, resident_id, phone, services; `pickup_point_id`).
    All rows or none: 422 `bulk_rows_invalid` lists every row's problems. The same file again
    answers 200 with the first filing."""
    result = bulk.file_bulk(
        _user(request),
        stream=cast(IO[bytes], file),
        file_name=file.name or "",
        pickup_point_id=pickup_point_id,
        request=request,
    )
    if result.filing is None:
        error = bulk.BulkRowsInvalid()
        return Status(
            422,
            BulkErrorsOut(
                code=error.code,
                message=str(error.message),
                rows=[BulkRowErrorOut(**asdict(problem)) for problem in result.errors],
            ),
        )
    return Status(200 if result.replayed else 201, filing_out(result.filing))


@router.get("/bulk", response={200: list[BulkFilingOut], **ERRORS}, auth=api_auth)
def bulk_filings(request: HttpRequest) -> list[BulkFilingOut]:
    """Enterprise account: its bulk filings and where each employee's application stands."""
    return [filing_out(filing) for filing in bulk.filings_of(_user(request))]


@router.get("/bulk/{filing_id}", response={200: BulkFilingOut, **ERRORS}, auth=api_auth)
def bulk_filing(request: HttpRequest, filing_id: int) -> BulkFilingOut:
    return filing_out(bulk.filing_for(_user(request), filing_id))


# --- Courier callback ---------------------------------------------------------------------------


@router.post(
    "/courier/events",
    response={200: CourierAckOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,
)
def courier_event(
    request: HttpRequest,
    payload: CourierEventIn,
    x_courier_signature: str = Header("", alias="X-Courier-Signature"),
) -> CourierAckOut:
    """A courier pushes a scan, signed: `X-Courier-Signature` is the hex HMAC-SHA256 of the raw
    body with the shared secret. A repeated scan is acknowledged and stored once; "delivered"
    delivers the item. 401 `bad_signature`, 404 `shipment_not_found`."""
    shipping.verify_callback(request.body, x_courier_signature)
    new = shipping.record_scan(
        payload.tracking_number,
        CourierScan(code=payload.event, at=payload.at, location=payload.location),
        request=request,
    )
    return CourierAckOut(received=True, new=new)


# --- Printable documents -------------------------------------------------------------------------


def _pdf_response(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/{number}/form.pdf",
    response={200: None, **ERRORS},
    auth=api_auth,
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def form_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The printable application form (owner or an officer of its service point; logged)."""
    name, data = documents.form_pdf_for(
        _user(request), number, base_url=request.build_absolute_uri("/"), request=request
    )
    return _pdf_response(name, data)


@router.get(
    "/{number}/receipt.pdf",
    response={200: None, **ERRORS},
    auth=api_auth,
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The payment receipt; 409 `receipt_not_available` until the order is paid."""
    name, data = documents.receipt_pdf_for(
        _user(request), number, base_url=request.build_absolute_uri("/"), request=request
    )
    return _pdf_response(name, data)


@router.get("/{number}", response={200: ApplicationOut, **ERRORS}, auth=api_auth)
def application_detail(request: HttpRequest, number: str) -> ApplicationOut:
    """One application: the applicant's own, or (for staff) one of their service points."""
    return application_out(services.application_for(_user(request), number, request=request))


@router.post("/{number}/materials", response={201: UploadOut, 413: ErrorOut, **ERRORS}, auth=api_auth)
def upload_material(
    request: HttpRequest,
    number: str,
    material: Form[str],
    file: File[UploadedFile],
) -> Status[UploadOut]:
    """Upload a document the application asks for (multipart: `material` code and `file`).
    PDF, JPEG or PNG, checked by content; 413 `file_too_large`, 422 `unsupported_file_type`,
    `corrupt_file`, `empty_file`; 409 `material_not_expected` when it is not waited for."""
    upload = services.upload_material(
        _user(request),
        number,
        material_code=material,
        stream=cast(IO[bytes], file),
        name=file.name or "",
        size=file.size,
        request=request,
    )
    return Status(201, upload_out(upload))


# --- Items -------------------------------------------------------------------------------------


@router.post("/items/{item_id}/approve", response={200: ItemOut, **ERRORS}, auth=api_auth)
def approve(request: HttpRequest, item_id: int, payload: ApproveIn | None = None) -> ItemOut:
    """Officer: approve an item under review; it then goes to production."""
    note = payload.note if payload is not None else ""
    return item_out(services.approve_item(_user(request), item_id, note=note, request=request))


@router.post("/items/{item_id}/reject", response={200: ItemOut, **ERRORS}, auth=api_auth)
def reject(request: HttpRequest, item_id: int, payload: RejectIn) -> ItemOut:
    """Officer: refuse an item under review, with a reason the applicant reads."""
    return item_out(services.reject_item(_user(request), item_id, reason=payload.reason, request=request))


@router.post("/items/{item_id}/request-materials", response={200: ItemOut, **ERRORS}, auth=api_auth)
def request_materials(request: HttpRequest, item_id: int, payload: RequestMaterialsIn) -> ItemOut:
    """Officer: ask the applicant for documents (catalog material codes) with a note; they can upload."""
    return item_out(
        services.request_more_materials(
            _user(request), item_id, materials=payload.materials, note=payload.note, request=request
        )
    )


@router.post("/items/{item_id}/start-production", response={200: ItemOut, **ERRORS}, auth=api_auth)
def start_production(request: HttpRequest, item_id: int) -> ItemOut:
    """Officer: send an approved item to production (normally done automatically on approval)."""
    return item_out(services.officer_start_production(_user(request), item_id, request=request))


@router.post("/items/{item_id}/produce", response={200: ItemOut, **ERRORS}, auth=api_auth)
def produce(request: HttpRequest, item_id: int) -> ItemOut:
    """Officer: the document is made and waits at the collection hall."""
    return item_out(services.mark_ready_for_pickup(_user(request), item_id, request=request))


@router.post("/items/{item_id}/dispatch", response={200: ItemOut, **ERRORS}, auth=api_auth)
def dispatch(request: HttpRequest, item_id: int, payload: DispatchIn) -> ItemOut:
    """Officer: the document is handed to the courier, with its tracking number."""
    return item_out(
        services.dispatch_item(
            _user(request),
            item_id,
            tracking_number=payload.tracking_number,
            courier=payload.courier,
            request=request,
        )
    )


@router.post("/items/{item_id}/delivered", response={200: ItemOut, **ERRORS}, auth=api_auth)
def delivered(request: HttpRequest, item_id: int) -> ItemOut:
    """Officer: the courier delivered the document."""
    return item_out(services.officer_mark_delivered(_user(request), item_id, request=request))


@router.post("/items/{item_id}/hand-over", response={200: ItemOut, **ERRORS}, auth=api_auth)
def hand_over(request: HttpRequest, item_id: int, payload: HandOverIn) -> ItemOut:
    """Officer: hand the document over at the counter after checking the last 4 of the ID number."""
    return item_out(
        services.hand_over_item(_user(request), item_id, id_last4=payload.id_last4, request=request)
    )


@router.post("/items/{item_id}/permit-shipment", response={200: ItemOut, **ERRORS}, auth=api_auth)
def permit_shipment(request: HttpRequest, item_id: int, payload: PermitShipmentIn) -> ItemOut:
    """Applicant: the permit for this endorsement is on its way to the hall (`permit_in` shows the
    hall's address): give the courier and tracking number; again to correct them until it arrives.
    409 `permit_not_expected`, `permit_already_received`, `tracking_number_taken`."""
    user = _user(request)
    shipping.send_permit(
        user, item_id, courier=payload.courier, tracking_number=payload.tracking_number, request=request
    )
    return item_out(services.own_item(user, item_id))


@router.post("/items/{item_id}/permit-received", response={200: ItemOut, **ERRORS}, auth=api_auth)
def permit_received(request: HttpRequest, item_id: int) -> ItemOut:
    """Officer: the applicant's permit arrived at the hall. Every endorsement for it can now be made
    (approved ones go to production at once). 409 `permit_already_received`, `permit_not_expected`."""
    return item_out(shipping.receive_permit(_user(request), item_id, request=request))


@router.post("/items/{item_id}/withdraw", response={200: ItemOut, **ERRORS}, auth=api_auth)
def withdraw(request: HttpRequest, item_id: int) -> ItemOut:
    """Applicant: withdraw an item not yet decided; what was paid for it is refunded."""
    return item_out(services.withdraw_own_item(_user(request), item_id, request=request))


# --- Tracking ----------------------------------------------------------------------------------


class TrackQuery(Schema):
    number: str = Field(..., min_length=1, max_length=40, description="The application number.")
    id_last4: str = Field(..., min_length=1, max_length=8, description="Last 4 characters of the ID number.")


@tracking_router.get("", response={200: TrackOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}, auth=None)
def track(request: HttpRequest, query: Query[TrackQuery]) -> HttpResponse:
    """Status, promised date and history of an application, in the caller's language.

    An unknown number and a wrong ID ending both answer the same 404; look-ups are rate limited
    per client (429 `tracking_rate_limited`)."""
    result = services.track(query.number, query.id_last4, client=request.META.get("REMOTE_ADDR"))
    # Everyone waiting for a document asks: the answer is built as plain data in `TrackOut`'s
    # shape and rendered as is, without validating again what the service just built
    # (docs/adr/0011); `TrackOut` stays the documented and tested contract.
    from exitentry.api import api  # the NinjaAPI mounting this router (it imports this module)

    return api.create_response(request, _track_data(result), status=200)


def _track_data(result: services.Tracking) -> dict[str, Any]:
    """`result` in `TrackOut`'s shape: the same keys in the same order, the same values."""
    return {
        "number": result.number,
        "status": result.status,
        "status_label": result.status_label,
        "promised_date": result.promised_date,
        "items": [
            {
                "service": item.service,
                "name": item.name,
                "status": item.status,
                "status_label": item.status_label,
                "promised_date": item.promised_date,
                "courier": item.courier,
                "tracking_number": item.tracking_number,
                "courier_events": [
                    {"at": scan.at, "event": scan.event, "label": scan.label, "location": scan.location}
                    for scan in item.courier_events
                ],
            }
            for item in result.items
        ],
        "events": [
            {
                "at": event.at,
                "service": event.service,
                "status": event.status,
                "status_label": event.status_label,
            }
            for event in result.events
        ],
    }
