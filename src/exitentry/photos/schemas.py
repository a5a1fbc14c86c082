from __future__ import annotations

from ninja import Schema


class ProblemOut(Schema):
    code: str
    message: str


class ShotOut(Schema):
    index: int
    score: float
    accepted: bool
    problems: list[ProblemOut]


class BurstOut(Schema):
    burst_id: int
    status: str
    best_index: int | None
    photo_url: str | None
    width_px: int
    height_px: int
    shots: list[ShotOut]


class OverrideIn(Schema):
    shot_index: int
    reason: str
