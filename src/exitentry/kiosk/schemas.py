from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema


class HeartbeatIn(Schema):
    status: Literal["ok", "out_of_paper", "printer_jam"] = "ok"


class DeviceOut(Schema):
    code: str
    name: str
    service_point_id: int
    status: str
    status_label: str
    last_heartbeat_at: dt.datetime | None
    idle_timeout_seconds: int


class DeviceRegistrationIn(Schema):
    service_point_id: int
    code: str
    name: str
    idle_timeout_seconds: int | None = None


class IssuedDeviceOut(DeviceOut):
    token: str


class MrzOut(Schema):
    mrz: str
    document_number: str | None
    surname: str | None
    given_names: str | None
    nationality: str | None
    birth_date: dt.date | None
    sex: str | None
    expiry_date: dt.date | None
