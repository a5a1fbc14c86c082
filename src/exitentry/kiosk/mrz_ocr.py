"""Reading a passport's machine-readable zone from a camera image (OpenCV + Tesseract).

1. Find the MRZ band: on a grey image, a black-hat transform brings out dark characters on the
   light page, a horizontal closing joins the characters of a line into one blob; the widest
   blobs in the lower part of the page whose shape is a long thin line are the MRZ lines.
2. Crop the band, scale it so characters are ~30 px high, binarise (Otsu) and OCR it with
   Tesseract in "block of text" mode, restricted to the OCR-B alphabet `A-Z0-9<`.
3. Keep the lines of a plausible MRZ length and hand them to identity's `check_mrz`, which
   checks every check digit: an image is only "read" when the MRZ it yields validates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np
import pytesseract

from exitentry.identity.services import MrzCheck, check_mrz

MRZ_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TESSERACT_CONFIG = f"--psm 6 --oem 1 -c tessedit_char_whitelist={MRZ_WHITELIST}"
OCR_BAND_HEIGHTS = (200, 300, 120)  # the band is OCR'd at these heights until one reads
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_SIDE = 2400


class MrzImageUnreadable(Exception):
    """The image is not an image, or holds no machine-readable zone that validates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MrzReading:
    text: str
    check: MrzCheck


def _decode(image_bytes: bytes) -> np.ndarray:
    if not image_bytes or len(image_bytes) > MAX_IMAGE_BYTES:
        raise MrzImageUnreadable("not_an_image")
    buffer = np.frombuffer(image_bytes, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    if image is None or image.size == 0:
        raise MrzImageUnreadable("not_an_image")
    height, width = image.shape[:2]
    scale = min(1.0, MAX_SIDE / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
    return image


def find_mrz_band(gray: np.ndarray) -> np.ndarray | None:
    """The part of the image holding the MRZ lines, or None when nothing line-shaped is found."""
    height, width = gray.shape[:2]
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    rect_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(13, width // 40), 5))
    blackhat = cv2.morphologyEx(blurred, cv2.MORPH_BLACKHAT, rect_kernel)
    grad = cv2.Sobel(blackhat, ddepth=cv2.CV_32F, dx=1, dy=0, ksize=-1)
    grad = np.absolute(grad)
    low, high = float(grad.min()), float(grad.max())
    if high - low < 1e-6:
        return None
    grad = ((grad - low) / (high - low) * 255).astype("uint8")
    grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, rect_kernel)
    _threshold, mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (max(21, width // 25), max(21, width // 25)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, square)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), iterations=2)
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best: tuple[int, int, int, int] | None = None
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        line_shaped = w / max(h, 1) >= 4 and w >= width * 0.6 and y + h / 2 >= height * 0.4
        if line_shaped and (best is None or y > best[1]):
            best = (x, y, w, h)
    if best is None:
        return None
    x, y, w, h = best
    pad_x, pad_y = int(w * 0.03), int(h * 0.25)
    x0, y0 = max(0, x - pad_x), max(0, y - pad_y)
    x1, y1 = min(width, x + w + pad_x), min(height, y + h + pad_y)
    return gray[y0:y1, x0:x1]


def _ocr(band: np.ndarray, band_height: int) -> str:
    scale = band_height / max(band.shape[0], 1)
    band = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _threshold, binary = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    binary = cv2.copyMakeBorder(binary, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    text: str = pytesseract.image_to_string(binary, lang="eng", config=TESSERACT_CONFIG)
    return text


# OCR confusions between letters and digits, fixed where the MRZ layout says which one it must be.
TO_DIGIT = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"}
)
TO_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"})
# Look-alike characters tried, one at a time, in the document number until its check digit agrees.
LOOK_ALIKES = {
    "E": "F",
    "F": "E",
    "O": "0D",
    "0": "OD",
    "D": "0O",
    "I": "1",
    "1": "I",
    "S": "5",
    "5": "S",
    "B": "8",
    "8": "B",
    "Z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
}
TD3_DIGITS = (9, *range(13, 20), *range(21, 28), 42, 43)
TD3_LETTERS = (10, 11, 12)


def _check_digit(value: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for index, char in enumerate(value):
        number = 0 if char == "<" else int(char) if char.isdigit() else ord(char) - 55
        total += number * weights[index % 3]
    return str(total % 10)


def _fix_td3(first: str, second: str) -> tuple[str, str]:
    """Put two OCR'd lines into TD3 shape: 44 characters each, digits and letters where they belong."""
    first = first[:2] + first[2:5].translate(TO_LETTER) + first[5:].translate(TO_LETTER)
    first = first.rstrip("<")[:44].ljust(44, "<")
    second = second[:44].ljust(44, "<")
    chars = list(second)
    for position in TD3_DIGITS:
        chars[position] = chars[position].translate(TO_DIGIT)
    for position in TD3_LETTERS:
        chars[position] = chars[position].translate(TO_LETTER)
    number, digit = "".join(chars[0:9]), chars[9]
    if digit.isdigit() and _check_digit(number) != digit:
        for index, char in enumerate(number):
            for other in LOOK_ALIKES.get(char, ""):
                candidate = number[:index] + other + number[index + 1 :]
                if _check_digit(candidate) == digit:
                    chars[0:9] = list(candidate)
                    break
            else:
                continue
            break
    return first, "".join(chars)


def _mrz_lines(text: str) -> list[str]:
    lines = [re.sub(r"[^A-Z0-9<]", "", line.upper()) for line in text.splitlines()]
    lines = [line for line in lines if len(line) >= 10]
    for index in range(len(lines) - 1):
        first, second = lines[index], lines[index + 1]
        if first.startswith("P") and 40 <= len(second) <= 46:
            return list(_fix_td3(first, second))
    return lines[-2:]


def read_mrz_image(image_bytes: bytes) -> MrzReading:
    """The validated MRZ in a photo of a passport's data page; `MrzImageUnreadable` otherwise."""
    gray = _decode(image_bytes)
    band = find_mrz_band(gray)
    candidates = [band] if band is not None else []
    candidates.append(gray[gray.shape[0] // 2 :, :])  # no band found: try the lower half as a whole
    last_check: MrzCheck | None = None
    attempts = [(candidate, height) for candidate in candidates for height in OCR_BAND_HEIGHTS]
    for candidate, height in attempts:
        lines = _mrz_lines(_ocr(candidate, height))
        if not lines:
            continue
        text = "\n".join(lines)
        check = check_mrz(text)
        if check.valid:
            return MrzReading(text=text, check=check)
        last_check = check
    raise MrzImageUnreadable("no_valid_mrz" if last_check is not None else "no_mrz_found")
