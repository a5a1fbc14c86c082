"""Request and response shapes of /api/v1/foreigners."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ApplicationIn(Schema):
    kind: str = Field(
        description="joint_work_residence, residence_work, residence_study, residence_family, "
        "residence_talent, visa_extension, visa_change or talent_visa"
    )
    mrz: str = Field(description="The passport's machine-readable zone, lines separated by \\n")
    phone: str
    service_point_id: int
    job_title: str = ""
    purpose: str = ""


class ItemOut(Schema):
    id: int
    service: str
    status: str
    authority: str
    fee_cny: str
    promised_date: dt.date | None


class CaseOut(Schema):
    number: str
    kind: str
    status: str
    status_label: str
    outcome_reason: str
    employer: str
    passport: str
    service_point_id: int
    promised_date: dt.date | None
    payment_url: str | None
    items: list[ItemOut]


class QueueItemOut(Schema):
    id: int
    number: str
    service: str
    status: str
    applicant: str
    passport: str
    employer: str
    promised_date: dt.date | None


class ApproveIn(Schema):
    note: str = ""
    category: str = Field("", description="Work permits only: A, B or C")
    valid_to: dt.date | None = Field(None, description="Work permits only: the last day of validity")


class RefuseIn(Schema):
    reason: str


class WorkPermitOut(Schema):
    number: str
    category: str
    employer: str
    valid_from: dt.date
    valid_to: dt.date
    in_force: bool
    high_level_talent: bool


class PortVisaIn(Schema):
    service_point_id: int
    mrz: str
    reason: str
    reason_details: str = ""
    arrival: str = ""


class IssueIn(Schema):
    valid_from: dt.date
    valid_until: dt.date
    entries: str = Field(description="single or double")
    stay_days: int


class PortVisaRefuseIn(Schema):
    refusal_reason: str


class PortVisaOut(Schema):
    id: int
    service_point_id: int
    status: str
    passport: str
    nationality: str
    reason: str
    number: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    entries: str
    stay_days: int | None
    refusal_reason: str


class ReasonOut(Schema):
    code: str
    name: str
