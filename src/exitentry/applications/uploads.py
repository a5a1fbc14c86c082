"""Checking an uploaded file by what it contains, never by its name or the browser's word.

Accepted: PDF (starts with `%PDF-`, has `%%EOF` near the end), JPEG and PNG (magic bytes, then
Pillow must open and verify the image, and decode it fully, within a pixel limit that stops
decompression bombs). Anything else, empty, too large or corrupt is refused with a stable code.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from exitentry.core.errors import DomainError, InvalidInput

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 100
PDF_TAIL_BYTES = 1024


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"
    default_message = _("The file is too large. Send a file of at most %(max_mb)s MB.")


class UnsupportedFileType(InvalidInput):
    code = "unsupported_file_type"
    default_message = _("Send a PDF, JPEG or PNG file. Other kinds of file cannot be accepted.")


class CorruptFile(InvalidInput):
    code = "corrupt_file"
    default_message = _("The file could not be read. It may be damaged; scan or photograph it again.")


class EmptyFile(InvalidInput):
    code = "empty_file"
    default_message = _("The file is empty.")


class ImageTooSmall(InvalidInput):
    code = "image_too_small"
    default_message = _("The picture is too small to read. Send a sharper photo or scan.")


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "EXITENTRY_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_error() -> FileTooLarge:
    limit = max_bytes()
    return FileTooLarge(
        FileTooLarge.default_message % {"max_mb": f"{limit / 1024 / 1024:g}"}, max_bytes=limit
    )


def _read_all(stream: IO[bytes], limit: int) -> bytes:
    stream.seek(0)
    data = stream.read(limit + 1)
    stream.seek(0)
    return data


def _check_image(data: bytes, expected_format: str, stream: IO[bytes]) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with Image.open(stream) as image:
                if image.format != expected_format:
                    raise CorruptFile(field="file")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise CorruptFile(field="file")
                image.verify()
            # verify() leaves the image unusable; decoding it fully finds truncated data.
            stream.seek(0)
            with Image.open(stream) as image:
                image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise CorruptFile(field="file") from error
    finally:
        stream.seek(0)
    if min(width, height) < MIN_SIDE:
        raise ImageTooSmall(field="file", min_side=MIN_SIDE)


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-1.") and not data.startswith(b"%PDF-2."):
        raise CorruptFile(field="file")
    if b"%%EOF" not in data[-PDF_TAIL_BYTES:]:
        raise CorruptFile(field="file")


def check_file(stream: IO[bytes], *, declared_size: int | None = None) -> CheckedFile:
    """The detected type of an uploaded file, or a DomainError saying what is wrong with it."""
    limit = max_bytes()
    if declared_size is not None and declared_size > limit:
        raise too_large_error()
    data = _read_all(stream, limit)
    if len(data) > limit:
        raise too_large_error()
    if not data:
        raise EmptyFile(field="file")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        content_type, extension = "application/pdf", "pdf"
    elif data.startswith(b"\xff\xd8\xff"):
        _check_image(data, "JPEG", stream)
        content_type, extension = "image/jpeg", "jpg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(data, "PNG", stream)
        content_type, extension = "image/png", "png"
    else:
        raise UnsupportedFileType(field="file")
    return CheckedFile(
        content_type=content_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
