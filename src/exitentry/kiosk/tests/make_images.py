"""Renders the MRZ test images shipped in `fixtures/` (run: python -m exitentry.kiosk.tests.make_images).

- `passport_valid.png`: a passport data page with a valid TD3 MRZ, set in a monospace font,
  slightly rotated and with sensor noise, as a kiosk's document camera sees it;
- `passport_unreadable.png`: the same page out of focus and washed out, whose MRZ cannot be read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from exitentry.identity.demo import make_td3_mrz

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MONO_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
SANS_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

VALID_MRZ = make_td3_mrz(
    surname="ZHANG",
    given_names="WEI",
    document_number="EA1234567",
    birth_date=dt.date(1990, 5, 17),
    sex="M",
    expiry_date=dt.date(2031, 8, 9),
)


def passport_page(mrz: str) -> Image.Image:
    page = Image.new("L", (1300, 900), 236)
    draw = ImageDraw.Draw(page)
    label = ImageFont.truetype(SANS_FONT, 30)
    draw.rectangle((60, 140, 360, 560), fill=190)  # where the photo is
    for row, text in enumerate(["PASSPORT  P  CHN", "ZHANG WEI", "1990-05-17   M", "EA1234567"]):
        draw.text((420, 160 + row * 80), text, fill=40, font=label)
    mono = ImageFont.truetype(MONO_FONT, 40)
    for row, line in enumerate(mrz.splitlines()):
        draw.text((60, 700 + row * 64), line, fill=20, font=mono)
    return page


def render() -> None:
    FIXTURES.mkdir(exist_ok=True)
    page = passport_page(VALID_MRZ).rotate(1.2, resample=Image.Resampling.BICUBIC, fillcolor=236)
    page.save(FIXTURES / "passport_valid.png", optimize=True)
    unreadable = passport_page(VALID_MRZ).filter(ImageFilter.GaussianBlur(9)).point(lambda v: 150 + v // 3)
    unreadable.save(FIXTURES / "passport_unreadable.png", optimize=True)


if __name__ == "__main__":
    render()
