from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class StayIn(Schema):
    mrz: str = Field(min_length=1, max_length=200, description="The passport's 2-line machine-readable zone")
    arrived_at: dt.datetime = Field(description="ISO 8601; without an offset it is local time (UTC+08:00)")
    expected_departure: dt.date
    room: str = Field(default="", max_length=40)


class PrivateStayIn(StayIn):
    host_name: str = Field(max_length=100)
    host_phone: str = Field(max_length=20)
    address: str = Field(max_length=300)
    area: str = Field(max_length=12, description="Area (district) code, see GET /accommodation/areas")


class CheckoutIn(Schema):
    checked_out_at: dt.datetime | None = Field(default=None, description="Defaults to now")


class PrivateCheckoutIn(CheckoutIn):
    edit_token: str = Field(max_length=100)


class RegistrationListOut(Schema):
    """A list row: the passport number masked."""

    id: int
    reference: str
    kind: str
    area: str
    lodging: str
    room: str
    guest_name: str
    nationality: str
    passport_number: str
    arrived_at: dt.datetime
    expected_departure: dt.date
    status: str
    late: bool


class RegistrationOut(RegistrationListOut):
    """The full record (unmasked passport number); every read is audited."""

    address: str
    birth_date: dt.date
    sex: str
    passport_expiry: dt.date
    registered_at: dt.datetime
    checked_out_at: dt.datetime | None


class PrivateStayOut(Schema):
    reference: str
    edit_token: str = Field(description="Shown once: keep it to check the guest out later")


class ImportOut(Schema):
    imported: int
    references: list[str]


class AreaOut(Schema):
    code: str
    name: str
