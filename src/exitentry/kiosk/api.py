"""Kiosk API.

- `POST /api/v1/kiosk/heartbeat` (header `X-Kiosk-Token`): the device's agent says it is alive
  and how its printer is (`ok`, `out_of_paper`, `printer_jam`).
- `POST /api/v1/kiosk/mrz` (header `X-Kiosk-Token`, multipart `image`): read and validate the
  MRZ in a photo of a passport data page.
- `GET /api/v1/kiosk/devices`, `POST /api/v1/kiosk/devices` (Bearer or session; officers,
  supervisors, managers at their own service points): the devices and their status; register one
  and receive its token (shown once).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from exitentry.accounts.auth import api_auth
from exitentry.core.schemas import ErrorOut
from exitentry.kiosk import services
from exitentry.kiosk.models import KioskDevice
from exitentry.kiosk.mrz_ocr import MAX_IMAGE_BYTES
from exitentry.kiosk.schemas import DeviceOut, DeviceRegistrationIn, HeartbeatIn, IssuedDeviceOut, MrzOut

router = Router(tags=["kiosk"])
TOKEN_HEADER = "X-Kiosk-Token"


def device_out(device: KioskDevice) -> DeviceOut:
    return DeviceOut(
        code=device.code,
        name=device.name,
        service_point_id=device.service_point_id,
        status=device.status,
        status_label=str(device.get_status_display()),
        last_heartbeat_at=device.last_heartbeat_at,
        idle_timeout_seconds=device.idle_timeout_seconds,
    )


def _device(request: HttpRequest) -> KioskDevice:
    return services.require_device(request.headers.get(TOKEN_HEADER))


@router.post("/heartbeat", response={200: DeviceOut, 401: ErrorOut, 422: ErrorOut}, auth=None)
def heartbeat(request: HttpRequest, body: HeartbeatIn) -> DeviceOut:
    device = services.record_heartbeat(_device(request), status=body.status, request=request)
    return device_out(device)


@router.post("/mrz", response={200: MrzOut, 401: ErrorOut, 422: ErrorOut}, auth=None)
def read_mrz(request: HttpRequest, image: File[UploadedFile]) -> MrzOut:
    _device(request)
    reading = services.read_passport(image.read(MAX_IMAGE_BYTES + 1))
    check = reading.check
    return MrzOut(
        mrz=reading.text,
        document_number=check.document_number,
        surname=check.surname,
        given_names=check.given_names,
        nationality=check.nationality,
        birth_date=check.birth_date,
        sex=check.sex,
        expiry_date=check.expiry_date,
    )


@router.get("/devices", response={200: list[DeviceOut], 401: ErrorOut, 403: ErrorOut}, auth=api_auth)
def list_devices(request: HttpRequest) -> list[DeviceOut]:
    return [device_out(device) for device in services.devices_for(request.auth)]  # type: ignore[attr-defined]


@router.post(
    "/devices",
    response={
        201: IssuedDeviceOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    auth=api_auth,
)
def register_device(request: HttpRequest, body: DeviceRegistrationIn) -> Status:
    issued = services.register_device(
        actor=request.auth,  # type: ignore[attr-defined]
        service_point_id=body.service_point_id,
        code=body.code,
        name=body.name,
        idle_timeout_seconds=body.idle_timeout_seconds,
        request=request,
    )
    out = device_out(issued.device)
    return Status(201, IssuedDeviceOut(**out.dict(), token=issued.token))
