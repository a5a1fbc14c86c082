"""A labelled set of shots for measuring the checker: good ones and deliberately broken ones.

Every shot is generated, reproducibly from a seed, from one public-domain portrait (NASA's photo of
astronaut Eileen Collins, shipped with scikit-image; see tests/data/ATTRIBUTION.md) cut out from its
background. Good shots put the person on a light plain background, framed as the kiosk's outline
asks, with small variations of size, position, background and light; each defect breaks one thing.
`exitentry photo-eval` runs the checker over the set and reports false rejection and acceptance rates.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

PORTRAIT_PATH = Path(__file__).parent / "tests" / "data" / "astronaut-portrait.png"
# Measured on the cut-out: the crown at row 15, the chin at row 190, the face centred at column 130.
PORTRAIT_CROWN_Y = 15
PORTRAIT_HEAD_HEIGHT = 175
PORTRAIT_FACE_CENTRE_X = 130
PORTRAIT_EYES_Y = 101
PORTRAIT_EYE_XS = (106, 152)

FRAME_W, FRAME_H = 360, 480
GOOD = "good"
DEFECTS = (
    "blurred",
    "background_too_dark",
    "background_not_plain",
    "off_centre",
    "head_too_small",
    "several_faces",
    "overexposed",
    "no_face",
    "face_too_dark",
    "uneven_lighting",
    "eyes_closed",
)


@dataclass(frozen=True)
class LabelledShot:
    name: str
    label: str  # GOOD or one of DEFECTS
    image: np.ndarray

    @property
    def good(self) -> bool:
        return self.label == GOOD

    def jpeg(self, quality: int = 92) -> bytes:
        ok, data = cv2.imencode(".jpg", self.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return data.tobytes()


@cache
def _portrait() -> tuple[np.ndarray, np.ndarray]:
    rgba = cv2.imread(str(PORTRAIT_PATH), cv2.IMREAD_UNCHANGED)
    if rgba is None:
        raise FileNotFoundError(PORTRAIT_PATH)
    return rgba[:, :, :3].astype(np.float32), rgba[:, :, 3].astype(np.float32) / 255.0


def _background(rng: random.Random, colour: tuple[int, int, int], *, textured: bool = False) -> np.ndarray:
    frame = np.empty((FRAME_H, FRAME_W, 3), np.float32)
    frame[:] = colour
    # A gentle vertical fall-off of light, as on a real wall.
    frame *= np.linspace(1.0, 0.96, FRAME_H, dtype=np.float32)[:, None, None]
    if textured:
        for _ in range(14):
            shade = rng.choice([(60, 90, 140), (200, 120, 60), (40, 40, 40), (120, 180, 90)])
            x, y = rng.randrange(FRAME_W), rng.randrange(FRAME_H)
            cv2.circle(frame, (x, y), rng.randrange(20, 60), shade, -1)
    return frame


def _paste(
    frame: np.ndarray,
    *,
    head_ratio: float,
    centre_x: float,
    crown_y: float,
    person: np.ndarray | None = None,
    light: np.ndarray | None = None,
) -> np.ndarray:
    """Composite the portrait so its head is `head_ratio` of the frame height, crown at `crown_y`."""
    colour, alpha = _portrait()
    if person is not None:
        colour = person
    zoom = head_ratio * FRAME_H / PORTRAIT_HEAD_HEIGHT
    size = (round(colour.shape[1] * zoom), round(colour.shape[0] * zoom))
    colour = cv2.resize(colour, size, interpolation=cv2.INTER_CUBIC if zoom > 1 else cv2.INTER_AREA)
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
    if light is not None:
        colour = colour * cv2.resize(light, size)[:, :, None]
    x0 = round(centre_x - PORTRAIT_FACE_CENTRE_X * zoom)
    y0 = round(crown_y - PORTRAIT_CROWN_Y * zoom)
    # Clip the pasted rectangle to the frame.
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(FRAME_W, x0 + size[0]), min(FRAME_H, y0 + size[1])
    if fx1 <= fx0 or fy1 <= fy0:
        return frame
    px0, py0 = fx0 - x0, fy0 - y0
    patch_colour = colour[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0]
    patch_alpha = alpha[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0, None]
    region = frame[fy0:fy1, fx0:fx1]
    frame[fy0:fy1, fx0:fx1] = patch_alpha * patch_colour + (1 - patch_alpha) * region
    return frame


def _closed_eyes() -> np.ndarray:
    """The portrait with both eyes closed: lids of the surrounding skin tone and a lash line."""
    colour = _portrait()[0].copy()
    for eye_x in PORTRAIT_EYE_XS:
        skin = (
            colour[PORTRAIT_EYES_Y + 14 : PORTRAIT_EYES_Y + 20, eye_x - 6 : eye_x + 6]
            .reshape(-1, 3)
            .mean(axis=0)
        )
        cv2.ellipse(colour, (eye_x, PORTRAIT_EYES_Y), (13, 7), 0, 0, 360, skin.tolist(), -1)
        cv2.ellipse(colour, (eye_x, PORTRAIT_EYES_Y - 1), (11, 3), 0, 0, 180, (60, 55, 60), 2)
    return colour


def _finish(frame: np.ndarray, rng: random.Random) -> np.ndarray:
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 2.0, frame.shape).astype(np.float32)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


LIGHT_BACKGROUNDS = ((245, 245, 245), (236, 238, 240), (250, 246, 240), (240, 230, 215), (230, 230, 230))


def _good_layout(rng: random.Random) -> dict[str, Any]:
    return {
        "head_ratio": rng.uniform(0.42, 0.56),
        "centre_x": FRAME_W / 2 + rng.uniform(-0.04, 0.04) * FRAME_W,
        "crown_y": rng.uniform(0.09, 0.15) * FRAME_H,
    }


def make_shot(label: str, seed: int) -> np.ndarray:
    """One shot with `label` (GOOD or a defect), the same pixels for the same seed."""
    rng = random.Random(f"{label}:{seed}")  # noqa: S311 - seeded, reproducible test data
    layout = _good_layout(rng)
    colour = rng.choice(LIGHT_BACKGROUNDS)
    brightness = rng.uniform(0.95, 1.05)
    frame: Any
    if label == GOOD:
        frame = _paste(_background(rng, colour), **layout) * brightness
    elif label == "blurred":
        frame = _paste(_background(rng, colour), **layout)
        frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(2.5, 3.5))
    elif label == "background_too_dark":
        grey = rng.randint(50, 95)
        frame = _paste(_background(rng, (grey, grey, grey + 10)), **layout)
    elif label == "background_not_plain":
        frame = _paste(_background(rng, colour, textured=True), **layout)
    elif label == "off_centre":
        layout["centre_x"] = FRAME_W / 2 + rng.choice((-1, 1)) * rng.uniform(0.2, 0.26) * FRAME_W
        frame = _paste(_background(rng, colour), **layout)
    elif label == "head_too_small":
        layout["head_ratio"] = rng.uniform(0.22, 0.28)
        frame = _paste(_background(rng, colour), **layout)
    elif label == "several_faces":
        frame = _background(rng, colour)
        for side in (0.27, 0.73):
            frame = _paste(frame, head_ratio=0.3, centre_x=side * FRAME_W, crown_y=layout["crown_y"])
    elif label == "overexposed":
        frame = _paste(_background(rng, colour), **layout) * rng.uniform(1.25, 1.35) + 35
    elif label == "no_face":
        # The empty background the camera sees before the person sits down, sometimes with a chair.
        frame = _background(rng, colour)
        if rng.random() < 0.5:
            cv2.rectangle(frame, (110, 300), (250, 480), (70, 70, 80), -1)
    elif label == "face_too_dark":
        light = np.full(_portrait()[1].shape, rng.uniform(0.3, 0.4), np.float32)
        frame = _paste(_background(rng, colour), light=light, **layout)
    elif label == "uneven_lighting":
        width = _portrait()[1].shape[1]
        # Light from the person's left, as from a window beside the booth.
        ramp = np.linspace(1.1, rng.uniform(0.15, 0.25), width, dtype=np.float32)
        light = np.tile(ramp, (_portrait()[1].shape[0], 1))
        frame = _paste(_background(rng, colour), light=light, **layout)
    elif label == "eyes_closed":
        frame = _paste(_background(rng, colour), person=_closed_eyes(), **layout)
    else:
        raise ValueError(f"unknown label {label!r}")
    return _finish(frame, rng)


def labelled_set(*, good: int = 40, per_defect: int = 10) -> Iterator[LabelledShot]:
    for seed in range(good):
        yield LabelledShot(f"good-{seed:02d}", GOOD, make_shot(GOOD, seed))
    for defect in DEFECTS:
        for seed in range(per_defect):
            yield LabelledShot(f"{defect}-{seed:02d}", defect, make_shot(defect, seed))
