from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field, model_validator


def _money(value: Any) -> Any:
    """Amounts leave as strings with two decimals ("120.00"): exact, never a float."""
    if isinstance(value, Decimal | int):
        return f"{Decimal(value):.2f}"
    return value


Money = Annotated[str, BeforeValidator(_money)]


# --- In --------------------------------------------------------------------------------------------


class ApplicantIn(Schema):
    birth_date: dt.date | None = Field(None, description="Date of birth; or give `age`.")
    age: int | None = Field(None, ge=0, le=130, description="Age on the acceptance date, if no birth date.")
    household_city: str | None = Field(
        None, pattern=r"^\d{6}$", description="6-digit division code of the household registration city."
    )
    in_province: bool | None = Field(None, description="Only when the household city is not given.")
    expedited: bool = False
    business_trip: bool = False
    entries: str | dict[str, str] | None = Field(
        None,
        description="Entries for endorsements: one option for all (e.g. `single`) or per service code.",
    )
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_coordinates(self) -> ApplicantIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class ChecklistIn(Schema):
    services: list[Annotated[str, Field(max_length=60)]] = Field(min_length=1, max_length=20)
    applicant: ApplicantIn
    accepted_on: dt.date | None = Field(None, description="Acceptance date; today when omitted.")


class PromisedDateIn(Schema):
    service: str = Field(min_length=1, max_length=60)
    accepted_on: dt.date | None = None
    in_province: bool = True
    expedited: bool = False
    channel: str | None = Field(None, max_length=20, description="e.g. `kiosk` for a self-service device.")


# --- Out -------------------------------------------------------------------------------------------


class EntriesOptionOut(Schema):
    code: str
    label: str
    fee_cny: Money | None


class ServiceOut(Schema):
    code: str
    name: str
    document_type: str
    document_type_name: str
    holder: str = Field(description="who the document is issued to: citizen or foreigner")
    reason: str
    reason_label: str
    endorsement_type: str | None
    fee_cny: Money | None
    channels: list[str]
    zero_visit_eligible: bool
    entries_options: list[EntriesOptionOut]


class ItemPromiseOut(Schema):
    accepted_on: dt.date
    due: dt.date
    rule: str
    rule_code: str
    applies_to: str
    amount: int
    unit: str


class PromiseOut(ItemPromiseOut):
    service: str


class WaiverOut(Schema):
    code: str
    name: str
    percent: int


class ChecklistItemOut(Schema):
    service: str
    name: str
    document_type: str
    document_type_name: str
    reason: str
    reason_label: str
    endorsement_type: str | None
    entries: str | None
    entries_label: str | None
    standard_fee_cny: Money
    fee_cny: Money
    waiver: WaiverOut | None
    promise: ItemPromiseOut
    channels: list[str]


class MaterialReasonOut(Schema):
    service: str
    service_name: str
    condition: str
    why: str


class ChecklistMaterialOut(Schema):
    code: str
    name: str
    description: str
    verified_by_source: bool
    source: str | None
    provided_at_hall: bool
    needed: bool
    status: str
    reasons: list[MaterialReasonOut]


class NoticeOut(Schema):
    code: str
    level: str
    message: str
    services: list[str]


class PlaceOut(Schema):
    id: int
    code: str
    name: str
    address: str
    city_code: str
    city_name: str
    phone: str
    distance_km: float | None


class ApplicantSummaryOut(Schema):
    age: int
    under_16: bool
    in_province: bool
    household_city: str | None
    household_city_name: str | None
    expedited: bool
    business_trip: bool


class ChecklistOut(Schema):
    accepted_on: dt.date
    applicant: ApplicantSummaryOut
    items: list[ChecklistItemOut]
    materials: list[ChecklistMaterialOut]
    total_fee_cny: Money
    promised_date: dt.date
    warnings: list[NoticeOut]
    where_to_go: list[PlaceOut]
    where_to_go_basis: str
