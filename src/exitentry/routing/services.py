"""Routing services: run the capacity simulator on a scenario.

`run_simulation` is what the `exitentry simulate` command and the manager page call. It changes
no state (nothing is stored, nothing is audited); bad input raises `InvalidInput` subclasses,
which the API turns into a 422 and the command into exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from exitentry.core.errors import InvalidInput
from exitentry.routing.scenario import ScenarioError, parse_scenario
from exitentry.routing.simulation import POLICIES, SimulationResult, simulate

MAX_SCENARIO_BYTES = 1_000_000


class UnknownPolicy(InvalidInput):
    code = "unknown_policy"
    default_message = _("Choose the policy nearest or recommended.")


class InvalidSeed(InvalidInput):
    code = "invalid_seed"
    default_message = _("The seed must be a whole number of at least 0.")


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """The JSON object in a scenario file, or `ScenarioError` saying why it cannot be read."""
    file_path = Path(path)
    try:
        if file_path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(
                _("%(field)s is larger than %(limit)s bytes."), "scenario", limit=MAX_SCENARIO_BYTES
            )
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ScenarioError(
            _("%(field)s: the file %(path)s could not be read (%(reason)s)."),
            "scenario",
            path=str(file_path),
            reason=reason,
        ) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            _("%(field)s is not valid JSON: %(reason)s at line %(line)s, column %(column)s."),
            "scenario",
            reason=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from error
    if not isinstance(data, dict):
        raise ScenarioError(_("%(field)s must be an object."), "scenario")
    return data


def run_simulation(scenario: Mapping[str, Any], policy: str, seed: int) -> SimulationResult:
    """Validate `scenario` (a scenario as loaded from JSON) and simulate it under `policy`."""
    if policy not in POLICIES:
        raise UnknownPolicy(policy=policy, choices=list(POLICIES))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        # random.Random treats -n like n, so negative seeds would quietly repeat positive ones.
        raise InvalidSeed(seed=seed)
    return simulate(parse_scenario(scenario), policy, seed)
