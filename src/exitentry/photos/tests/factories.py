from __future__ import annotations

from exitentry.photos.evaluation import GOOD, LabelledShot, make_shot


def shot_jpeg(label: str = GOOD, seed: int = 0) -> bytes:
    """A generated camera shot (see photos/evaluation.py) as JPEG bytes."""
    return LabelledShot(f"{label}-{seed}", label, make_shot(label, seed)).jpeg()
