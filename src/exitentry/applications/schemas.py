from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from exitentry.catalog.schemas import Money

ServiceCode = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")]


# --- In ----------------------------------------------------------------------------------------


class DeliveryIn(Schema):
    method: Literal["pickup", "mail"] = Field("pickup", description="Collect at a hall, or send by courier.")
    service_point_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The hall to collect at (`pickup`)."
    )
    address: str = Field("", max_length=300, description="Where the courier delivers (`mail`).")
    permit_by_mail: bool = Field(
        False,
        description="Endorsements on a permit you hold: you send the permit to the hall by courier "
        "and it comes back by courier (needs `mail`).",
    )


class LossDeclarationIn(Schema):
    lost_on: dt.date
    place: str = Field(..., min_length=1, max_length=200)
    circumstances: str = Field(..., min_length=1, max_length=1000)


class ApplicationIn(Schema):
    services: list[ServiceCode] = Field(
        ..., min_length=1, max_length=20, description="Catalog service codes, e.g. `passport.renewal`."
    )
    entries: dict[ServiceCode, Annotated[str, Field(max_length=30)]] = Field(
        default_factory=dict,
        description='Entries per endorsement service, e.g. `{"hk_macau_endorsement.G": "single"}`.',
    )
    channel: str = Field("online", max_length=20)
    priority: str = Field(
        "normal", max_length=20, description="normal, expedited, emergency or green_channel."
    )
    emergency_reason: str = Field("", max_length=40)
    emergency_details: str = Field("", max_length=500)
    delivery: DeliveryIn
    phone: str = Field("", max_length=20, description="Contact phone; the one on record when empty.")
    loss_declaration: LossDeclarationIn | None = Field(
        None, description="Required when replacing a lost document."
    )
    face_check_reference: str = Field(
        "", max_length=100, description="Reference of a passed live face check (zero-visit applications)."
    )
    person_id_number: str = Field(
        "", max_length=18, description="Staff filing at a counter: whose application."
    )
    service_point_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Staff: where it is filed.")


class EligibilityIn(Schema):
    services: list[ServiceCode] = Field(..., min_length=1, max_length=20)
    face_check_reference: str = Field("", max_length=100)


class ApproveIn(Schema):
    note: str = Field("", max_length=1000)


class RejectIn(Schema):
    reason: str = Field(..., max_length=1000)


class RequestMaterialsIn(Schema):
    materials: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        ..., min_length=1, max_length=20
    )
    note: str = Field(..., max_length=1000)


class DispatchIn(Schema):
    tracking_number: str = Field(
        "",
        max_length=40,
        description="Only when the courier was booked by hand; empty books it through the courier adapter.",
    )
    courier: str = Field("", max_length=60)


class HandOverIn(Schema):
    id_last4: str = Field(
        ..., max_length=4, description="Last 4 characters of the ID number shown at the counter."
    )


# --- Out ---------------------------------------------------------------------------------------


class EventOut(Schema):
    at: dt.datetime
    status: str
    status_label: str
    action: str


class PermitInOut(Schema):
    """The permit the applicant sends to the hall for an endorsement."""

    hall_name: str
    hall_address: str
    hall_phone: str
    courier: str = Field(description="The applicant's courier, once they told us.")
    tracking_number: str
    sent_at: dt.datetime | None
    received_at: dt.datetime | None = Field(description="When an officer recorded its arrival.")


class PermitShipmentIn(Schema):
    courier: str = Field(..., min_length=1, max_length=60)
    tracking_number: str = Field(..., min_length=1, max_length=40)


class ItemOut(Schema):
    id: int
    service: str
    name: str
    status: str
    status_label: str
    entries: str | None
    standard_fee_cny: Money
    fee_cny: Money
    accepted_on: dt.date | None
    promised_date: dt.date | None
    decision_reason: str
    courier: str
    tracking_number: str
    permit_in: PermitInOut | None = None
    events: list[EventOut]


class UploadOut(Schema):
    id: int
    material: str
    content_type: str
    size: int
    original_name: str
    uploaded_at: dt.datetime


class MaterialOut(Schema):
    code: str
    name: str
    status: str
    status_label: str
    source: str
    source_outcome: str
    note: str
    uploads: list[UploadOut]


class PlaceOut(Schema):
    id: int
    name: str
    address: str
    phone: str
    city: str


class ApplicantOut(Schema):
    full_name: str
    id_number_masked: str
    phone_masked: str


class ApplicationOut(Schema):
    number: str
    status: str
    status_label: str
    channel: str
    priority: str
    zero_visit: bool
    delivery_method: str
    permit_by_mail: bool
    pickup_point: PlaceOut | None
    service_point: PlaceOut
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    promised_date: dt.date | None
    total_fee_cny: Money
    payment_order: str | None
    payment_url: str | None
    applicant: ApplicantOut
    items: list[ItemOut]
    materials: list[MaterialOut]


class ApplicationSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    promised_date: dt.date | None
    total_fee_cny: Money
    services: list[str]


class FailureOut(Schema):
    code: str
    message: str
    service: str | None


class EligibilityOut(Schema):
    eligible: bool
    failures: list[FailureOut]
    where_to_go: list[PlaceOut]
    booking_url: str | None


class CourierEventOut(Schema):
    at: dt.datetime
    event: str
    label: str
    location: str


class TrackedItemOut(Schema):
    service: str
    name: str
    status: str
    status_label: str
    promised_date: dt.date | None
    courier: str = ""
    tracking_number: str = ""
    courier_events: list[CourierEventOut] = []


class TrackedEventOut(Schema):
    at: dt.datetime
    service: str
    status: str
    status_label: str


class TrackOut(Schema):
    number: str
    status: str
    status_label: str
    promised_date: dt.date | None
    items: list[TrackedItemOut]
    events: list[TrackedEventOut]


class QueueItemOut(Schema):
    id: int
    number: str
    service: str
    name: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    promised_date: dt.date | None
    submitted_at: dt.datetime | None
    applicant: str
    service_point_id: int


class SlaFlagOut(Schema):
    item: int
    number: str
    service: str
    level: str
    level_label: str
    flagged_at: dt.datetime
    promised_date: dt.date
    used_percent: int
    status: str
    service_point_id: int


class BulkApplicationOut(Schema):
    number: str
    full_name: str
    id_number_masked: str
    status: str
    status_label: str
    promised_date: dt.date | None
    services: list[str]


class BulkFilingOut(Schema):
    id: int
    organisation: str
    file_name: str
    row_count: int
    created_at: dt.datetime
    pickup_point: PlaceOut
    applications: list[BulkApplicationOut]


class BulkRowErrorOut(Schema):
    row: int = Field(..., description="Spreadsheet row (the header is row 1; 0 for the whole file).")
    field: str
    code: str
    message: str


class BulkErrorsOut(Schema):
    """422: `bulk_rows_invalid` with every row's problems, or another error with empty `rows`."""

    code: str
    message: str
    details: dict[str, object] = {}
    rows: list[BulkRowErrorOut] = []


class CourierEventIn(Schema):
    tracking_number: str = Field(..., min_length=6, max_length=40)
    event: Literal["picked_up", "in_transit", "out_for_delivery", "delivered"]
    at: dt.datetime
    location: str = Field("", max_length=120)


class CourierAckOut(Schema):
    received: bool
    new: bool
