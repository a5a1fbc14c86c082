"""Devices at the kiosk's edge, each an interface with a sandbox chosen by settings.

- Card reader: reads the chip of a resident identity card (name, sex, ethnicity, birth date,
  address, ID number, photo). `settings.EXITENTRY_ADAPTERS["kiosk_card_reader"]`.
- Printer: prints an endorsement on a travel permit. `settings.EXITENTRY_ADAPTERS["kiosk_printer"]`.

The sandboxes stand in for the hardware of a demo or test kiosk:
- the sandbox card reader reads the card of a demo applicant (`applicant001`…): the "card slot"
  names whose card is inserted; slot `damaged` is a card whose chip cannot be read;
- the sandbox printer fails as the device last reported itself (heartbeat): a device that said
  `printer_jam` or `out_of_paper` jams or runs dry when asked to print.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_CARD_READER = "exitentry.kiosk.adapters.SandboxCardReader"
DEFAULT_PRINTER = "exitentry.kiosk.adapters.SandboxPrinter"


# --- Card reader ---------------------------------------------------------------------------------


class CardReadFailed(Exception):
    """The card could not be read (no card, damaged chip, card removed too early)."""


@dataclass(frozen=True)
class CardData:
    """What the chip of a resident identity card holds."""

    full_name: str
    sex: str  # "M" or "F"
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str
    photo_jpeg: bytes


class CardReader(Protocol):
    def read(self, slot: str) -> CardData: ...


def _portrait(seed: str) -> bytes:
    """A plain head-and-shoulders silhouette standing in for the chip's photo."""
    from PIL import Image, ImageDraw

    shade = 150 + sum(seed.encode()) % 60
    image = Image.new("RGB", (102, 126), (236, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((31, 18, 71, 64), fill=(shade, shade - 20, shade - 40))
    draw.rectangle((18, 72, 84, 126), fill=(60, 70, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class SandboxCardReader:
    """Reads the card of demo applicant `slot` (a username such as `applicant001`)."""

    DAMAGED = "damaged"

    def read(self, slot: str) -> CardData:
        from exitentry.accounts.models import User

        if slot == self.DAMAGED:
            raise CardReadFailed("sandbox: the chip did not answer")
        user = User.objects.filter(username=slot).select_related("person__household_city").first()
        person = user.person if user is not None else None
        if person is None or not person.id_number:
            raise CardReadFailed("sandbox: no card in the reader")
        city = person.household_city
        address = f"{city.name if city else ''} {int(person.id_number[6:10]) % 200 + 1}号"
        return CardData(
            full_name=person.full_name,
            sex=person.sex,
            ethnicity="汉",
            birth_date=person.birth_date,
            address=address.strip(),
            id_number=person.id_number,
            photo_jpeg=_portrait(person.id_number),
        )


def card_reader() -> CardReader:
    path = settings.EXITENTRY_ADAPTERS.get("kiosk_card_reader", DEFAULT_CARD_READER)
    return import_string(path)()


# --- Printer -------------------------------------------------------------------------------------


class PrinterFault(Exception):
    """The printer did not print. `code` is `printer_jam` or `out_of_paper`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class EndorsementPrintJob:
    device_code: str
    permit_number: str
    endorsement_type: str
    entries: str
    issued_on: dt.date
    reference: str


class Printer(Protocol):
    def print_endorsement(self, job: EndorsementPrintJob) -> None: ...


class SandboxPrinter:
    """Prints nothing; fails the way the device last said its printer was failing."""

    def print_endorsement(self, job: EndorsementPrintJob) -> None:
        from exitentry.kiosk.models import DeviceStatus, KioskDevice

        status = KioskDevice.objects.filter(code=job.device_code).values_list("status", flat=True).first()
        if status in (DeviceStatus.PRINTER_JAM, DeviceStatus.OUT_OF_PAPER):
            raise PrinterFault(str(status))


def printer() -> Printer:
    path = settings.EXITENTRY_ADAPTERS.get("kiosk_printer", DEFAULT_PRINTER)
    return import_string(path)()
