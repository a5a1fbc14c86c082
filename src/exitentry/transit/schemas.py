from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

COUNTRY_CODE = r"^[A-Za-z]{3}$"


class TransitCheckIn(Schema):
    nationality: str = Field(pattern=COUNTRY_CODE, description="ISO 3166 alpha-3 code, e.g. DEU")
    entry_port: str = Field(min_length=2, max_length=20, description="Designated port code, e.g. TAO")
    arrival: dt.datetime = Field(description="ISO 8601; without an offset it is the port's local time")
    origin: str = Field(
        pattern=COUNTRY_CODE, description="Country or region flown in from (HKG, MAC, TWN are regions)"
    )
    destination: str = Field(pattern=COUNTRY_CODE, description="Country or region of the onward ticket")
    departure: dt.datetime = Field(
        description="Onward departure, ISO 8601; without an offset, port local time"
    )


class FailureOut(Schema):
    code: str
    message: str


class TransitCheckOut(Schema):
    eligible: bool
    failures: list[FailureOut]
    arrival: dt.datetime
    departure: dt.datetime
    stay_starts_at: dt.datetime | None
    stay_ends_at: dt.datetime | None
    stay_hours: int | None
    entry_port_name: str | None
    stay_region: str | None


class PlaceOut(Schema):
    iso3: str
    kind: str
    name: str


class PortOut(Schema):
    code: str
    kind: str
    name: str
    time_zone: str
    stay_region: str
