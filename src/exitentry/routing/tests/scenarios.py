"""Scenario dictionaries for tests, and the example files shipped in `scenarios/`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.conf import settings

EXAMPLES_DIR = Path(settings.BASE_DIR) / "scenarios"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def example_path(name: str) -> str:
    return str(EXAMPLES_DIR / f"{name}.json")


TWO_HALLS: dict[str, Any] = {
    "name": "Two halls",
    "arrivals_per_hour": [30, 45, 20],
    "travel": {"speed_kmh": 20},
    "halls": [
        {
            "id": "a",
            "location": {"x_km": 0, "y_km": 0},
            "counters": 3,
            "service_time": {"distribution": "exponential", "mean_minutes": 8},
        },
        {
            "id": "b",
            "location": {"x_km": 4, "y_km": 0},
            "counters": 2,
            "service_time": {"distribution": "lognormal", "mean_minutes": 8, "cv": 0.7},
            "booked_per_hour": [2, 2],
        },
    ],
    "origins": [
        {"id": "west", "location": {"x_km": -1, "y_km": 0}, "share": 2},
        {"id": "east", "location": {"x_km": 5, "y_km": 0}, "share": 1},
    ],
}


def two_halls() -> dict[str, Any]:
    return copy.deepcopy(TWO_HALLS)
