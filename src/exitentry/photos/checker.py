"""Scoring one camera shot against a document-photo spec with OpenCV's Haar cascades.

The cascades come inside the pinned opencv-python-headless 4.x wheel (`cv2.data.haarcascades`);
nothing is downloaded at run time. Every threshold comes from the spec (a `PhotoSpec` row); the
few numbers here describe the detector's geometry, not policy.

Each check measures one number and turns it into a sub-score: 0.5 exactly at the spec's limit,
rising to 1 well inside it and falling to 0 well outside. A shot's score is the mean sub-score;
a shot is accepted when no check fails and the score reaches the spec's acceptance threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

import cv2
import numpy as np

# Where the head lies relative to the frontal-face cascade's box (calibrated on the default
# cascade): the crown is about half a box above its top, the chin a quarter box below its bottom.
CROWN_ABOVE_FACE_BOX = 0.5
CHIN_BELOW_FACE_BOX = 0.25
HEAD_PER_FACE_BOX = 1.0 + CROWN_ABOVE_FACE_BOX + CHIN_BELOW_FACE_BOX
# Shots are analysed at most this many pixels on the long side (phones send 12-megapixel images).
ANALYSIS_LONG_SIDE = 800
# The face is resized to this square before its sharpness is measured, so the measure does not
# depend on the camera's resolution.
SHARPNESS_FACE_SIZE = 160
CLIPPED_LEVEL = 250


class SpecLike(Protocol):
    output_width_px: int
    output_height_px: int
    head_height_min_ratio: float
    head_height_max_ratio: float
    head_top_margin_ratio: float
    frame_head_min_ratio: float
    frame_head_max_ratio: float
    max_centre_offset_ratio: float
    eye_line_min_ratio: float
    eye_line_max_ratio: float
    max_eye_tilt_ratio: float
    background_min_brightness: float
    background_max_stddev: float
    face_min_brightness: float
    max_lighting_imbalance: float
    min_sharpness: float
    max_clipped_share: float
    acceptance_threshold: float


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    w: int
    h: int


@dataclass
class Analysis:
    """What was measured on one shot; `failures` holds the codes of the checks that failed."""

    readable: bool = True
    faces: int = 0
    face: FaceBox | None = None
    scale: float = 1.0  # analysis pixels per original pixel
    measures: dict[str, float] = field(default_factory=dict)
    subscores: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    score: float = 0.0


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
    if classifier.empty():  # pragma: no cover - a broken OpenCV install
        raise RuntimeError(f"OpenCV cascade {name} is missing from the installed wheel")
    return classifier


def decode(data: bytes) -> np.ndarray | None:
    """The BGR image in `data` (JPEG, PNG, WebP…), or None when it is not an image."""
    if not data:
        return None
    array = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(array, cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def _at_least(value: float, limit: float) -> float:
    return float(np.clip(0.5 + (value - limit) / max(abs(limit), 1e-6), 0.0, 1.0))


def _at_most(value: float, limit: float) -> float:
    return float(np.clip(0.5 + (limit - value) / max(abs(limit), 1e-6), 0.0, 1.0))


def _within(value: float, low: float, high: float) -> float:
    return float(np.clip(0.5 + min(value - low, high - value) / max(high - low, 1e-6), 0.0, 1.0))


def _detect_faces(gray: np.ndarray) -> list[FaceBox]:
    height, width = gray.shape
    smallest = max(24, int(min(height, width) * 0.08))
    found = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=6, minSize=(smallest, smallest)
    )
    return [FaceBox(int(x), int(y), int(w), int(h)) for (x, y, w, h) in found]


def _detect_eyes(gray: np.ndarray, face: FaceBox) -> list[tuple[float, float]]:
    """Centres (in image pixels) of one left and one right eye in the upper part of the face."""
    top = face.y
    region = gray[top : top + int(face.h * 0.6), face.x : face.x + face.w]
    smallest = max(8, face.w // 8)
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        region,
        scaleFactor=1.1,
        minNeighbors=5,
        minSize=(smallest, smallest),
        maxSize=(face.w // 2, face.w // 2),
    )
    left: list[tuple[float, float, int]] = []
    right: list[tuple[float, float, int]] = []
    for x, y, w, h in found:
        cx, cy = face.x + x + w / 2, top + y + h / 2
        (left if cx < face.x + face.w / 2 else right).append((cx, cy, int(w)))
    eyes = []
    for side in (left, right):
        if side:
            cx, cy, _w = max(side, key=lambda eye: eye[2])
            eyes.append((cx, cy))
    return eyes


def _background_pixels(gray: np.ndarray, face: FaceBox) -> np.ndarray:
    """The frame's top strip and outer side strips above the shoulders, outside the head."""
    height, width = gray.shape
    strip_w, strip_h = max(4, width // 12), max(4, height // 12)
    mask = np.zeros_like(gray, dtype=bool)
    shoulders = min(height, face.y + face.h)
    mask[:strip_h, :] = True
    mask[:shoulders, :strip_w] = True
    mask[:shoulders, width - strip_w :] = True
    crown = int(face.y - CROWN_ABOVE_FACE_BOX * face.h)
    head_left = int(face.x - 0.25 * face.w)
    head_right = int(face.x + 1.25 * face.w)
    mask[max(0, crown) : face.y + face.h, max(0, head_left) : max(0, head_right)] = False
    return gray[mask]


def analyse(image: np.ndarray, spec: SpecLike) -> Analysis:
    """Measure one decoded shot against `spec`."""
    result = Analysis()
    height, width = image.shape[:2]
    scale = min(1.0, ANALYSIS_LONG_SIDE / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        height, width = image.shape[:2]
    result.scale = scale
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)

    faces = _detect_faces(gray)
    result.faces = len(faces)
    if not faces:
        result.failures.append("no_face")
        return result
    if len(faces) > 1:
        result.failures.append("several_faces")
        return result
    face = result.face = faces[0]
    measures, subscores, failures = result.measures, result.subscores, result.failures

    # Eyes open and the face turned to the camera: the eye cascade finds an open eye on each side,
    # level with each other and placed symmetrically about the face's centre line.
    eyes = _detect_eyes(gray, face)
    measures["eyes_found"] = len(eyes)
    if len(eyes) < 2:
        subscores["eyes"] = 0.0
        failures.append("eyes_not_visible")
    else:
        subscores["eyes"] = 1.0
        (lx, ly), (rx, ry) = eyes
        tilt = abs(ry - ly) / face.w
        asymmetry = abs((lx + rx) / 2 - (face.x + face.w / 2)) / face.w
        measures["eye_tilt"] = round(tilt, 4)
        measures["eye_asymmetry"] = round(asymmetry, 4)
        turn = max(tilt, asymmetry)
        subscores["frontal"] = _at_most(turn, spec.max_eye_tilt_ratio)
        if turn > spec.max_eye_tilt_ratio:
            failures.append("not_frontal")

    head_height = face.h * HEAD_PER_FACE_BOX
    head_ratio = head_height / height
    measures["head_ratio"] = round(head_ratio, 4)
    subscores["head_size"] = _within(head_ratio, spec.frame_head_min_ratio, spec.frame_head_max_ratio)
    if head_ratio < spec.frame_head_min_ratio:
        failures.append("head_too_small")
    elif head_ratio > spec.frame_head_max_ratio:
        failures.append("head_too_large")

    offset = abs(face.x + face.w / 2 - width / 2) / width
    eye_line = (face.y + face.h * 0.4) / height
    measures["centre_offset"] = round(offset, 4)
    measures["eye_line"] = round(eye_line, 4)
    subscores["position"] = min(
        _at_most(offset, spec.max_centre_offset_ratio),
        _within(eye_line, spec.eye_line_min_ratio, spec.eye_line_max_ratio),
    )
    if offset > spec.max_centre_offset_ratio or not (
        spec.eye_line_min_ratio <= eye_line <= spec.eye_line_max_ratio
    ):
        failures.append("off_centre")

    background = _background_pixels(gray, face)
    brightness = float(background.mean()) if background.size else 0.0
    spread = float(background.std()) if background.size else 255.0
    measures["background_brightness"] = round(brightness, 2)
    measures["background_stddev"] = round(spread, 2)
    subscores["background_light"] = _at_least(brightness, spec.background_min_brightness)
    subscores["background_plain"] = _at_most(spread, spec.background_max_stddev)
    if brightness < spec.background_min_brightness:
        failures.append("background_too_dark")
    if spread > spec.background_max_stddev:
        failures.append("background_not_plain")

    # The inner face (no hair, no background): brightness, left/right balance, clipping, sharpness.
    inner = gray[
        face.y + face.h // 5 : face.y + face.h * 9 // 10,
        face.x + face.w // 6 : face.x + face.w * 5 // 6,
    ]
    half = inner.shape[1] // 2
    left_mean, right_mean = float(inner[:, :half].mean()), float(inner[:, half:].mean())
    face_mean = float(inner.mean())
    imbalance = abs(left_mean - right_mean) / max(left_mean, right_mean, 1.0)
    clipped = float((inner >= CLIPPED_LEVEL).mean())
    measures["face_brightness"] = round(face_mean, 2)
    measures["lighting_imbalance"] = round(imbalance, 4)
    measures["clipped_share"] = round(clipped, 4)
    subscores["face_light"] = _at_least(face_mean, spec.face_min_brightness)
    subscores["even_light"] = _at_most(imbalance, spec.max_lighting_imbalance)
    subscores["exposure"] = _at_most(clipped, spec.max_clipped_share)
    if face_mean < spec.face_min_brightness:
        failures.append("face_too_dark")
    if imbalance > spec.max_lighting_imbalance:
        failures.append("uneven_lighting")
    if clipped > spec.max_clipped_share:
        failures.append("overexposed")

    face_square = cv2.resize(
        gray[face.y : face.y + face.h, face.x : face.x + face.w],
        (SHARPNESS_FACE_SIZE, SHARPNESS_FACE_SIZE),
        interpolation=cv2.INTER_AREA,
    )
    # Stretched to the full range first, so that a dim face is not mistaken for a blurred one.
    low, high = float(face_square.min()), float(face_square.max())
    face_square = ((face_square - low) * (255.0 / max(high - low, 1.0))).round().astype(np.uint8)
    sharpness = float(cv2.Laplacian(face_square, cv2.CV_64F).var())
    measures["sharpness"] = round(sharpness, 2)
    subscores["sharpness"] = _at_least(sharpness, spec.min_sharpness)
    if sharpness < spec.min_sharpness:
        failures.append("blurred")

    result.score = round(sum(subscores.values()) / len(subscores), 4)
    if not failures and result.score < spec.acceptance_threshold:
        failures.append("quality_too_low")
    return result


def crop_to_spec(image: np.ndarray, analysis: Analysis, spec: SpecLike, *, quality: int = 92) -> bytes:
    """The shot cropped and scaled to the spec's size, head height in the middle of its range."""
    if analysis.face is None:
        raise ValueError("only a shot with one face can be cropped")
    face = analysis.face
    # Back to the original image's pixels.
    k = 1.0 / analysis.scale
    face_x, face_y, face_w, face_h = face.x * k, face.y * k, face.w * k, face.h * k
    out_w, out_h = spec.output_width_px, spec.output_height_px
    target_head = (spec.head_height_min_ratio + spec.head_height_max_ratio) / 2 * out_h
    zoom = target_head / (face_h * HEAD_PER_FACE_BOX)  # output pixels per source pixel
    window_w, window_h = out_w / zoom, out_h / zoom
    crown = face_y - CROWN_ABOVE_FACE_BOX * face_h
    left = face_x + face_w / 2 - window_w / 2
    top = crown - spec.head_top_margin_ratio * out_h / zoom
    x0, y0 = round(left), round(top)
    x1, y1 = round(left + window_w), round(top + window_h)
    height, width = image.shape[:2]
    # A window beyond the frame is filled by repeating the edge: the plain background.
    pad = max(0, -x0, -y0, x1 - width, y1 - height)
    if pad:
        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    window = image[y0:y1, x0:x1]
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
    photo = cv2.resize(window, (out_w, out_h), interpolation=interpolation)
    ok, encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a BGR array
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()
