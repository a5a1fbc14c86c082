"""`exitentry simulate --scenario FILE --policy nearest|recommended --seed N [--json]`.

With `--json` it prints exactly
`{"served","mean_wait_minutes","p90_wait_minutes","mean_travel_minutes","max_queue"}`;
without, a readable summary and a table per hall. A scenario that cannot be used exits with
code 2 and one line naming the field at fault, never a traceback.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exitentry.core.errors import InvalidInput
from exitentry.routing.services import read_scenario_file, run_simulation
from exitentry.routing.simulation import POLICIES, SimulationResult

EXIT_BAD_INPUT = 2
POLICY_LABELS = {
    "nearest": gettext_lazy("nearest hall"),
    "recommended": gettext_lazy("recommended hall (travel + predicted wait)"),
}


def _width(text: str) -> int:
    # Chinese, Japanese and Korean characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[column]) for row in [headers, *rows]) for column in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [_left(row[0], widths[0])]
        cells += [_right(cell, widths[column]) for column, cell in enumerate(row) if column > 0]
        lines.append("  ".join(cells).rstrip())
    return lines


def readable(result: SimulationResult) -> str:
    summary = [
        [_("Scenario"), result.scenario],
        [_("Policy"), str(POLICY_LABELS.get(result.policy, result.policy))],
        [_("Seed"), str(result.seed)],
        [_("People served"), str(result.served)],
        [_("Turned away (no hall open)"), str(result.turned_away)],
        [_("Mean wait (minutes)"), f"{result.mean_wait_minutes:.2f}"],
        [_("90th percentile wait (minutes)"), f"{result.p90_wait_minutes:.2f}"],
        [_("Mean travel (minutes)"), f"{result.mean_travel_minutes:.2f}"],
        [_("Mean travel + wait (minutes)"), f"{result.mean_journey_minutes:.2f}"],
        [_("Longest queue (people)"), str(result.max_queue)],
    ]
    label_width = max(_width(label) for label, _value in summary)
    lines = [f"{_left(label, label_width)}  {value}" for label, value in summary]
    lines.append("")
    lines += _table(
        [
            _("Hall"),
            _("Served"),
            _("Mean wait"),
            _("90% wait"),
            _("Longest queue"),
            _("Counters busy"),
        ],
        [
            [
                hall.name,
                str(hall.served),
                f"{hall.mean_wait_minutes:.2f}",
                f"{hall.p90_wait_minutes:.2f}",
                str(hall.max_queue),
                f"{hall.utilisation:.0%}",
            ]
            for hall in result.halls
        ],
    )
    return "\n".join(lines)


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = _(
            "Run the capacity simulator on a scenario file and print the figures: people served, "
            "mean and 90th percentile wait, mean travel time and the longest queue."
        )
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scenario",
            required=True,
            metavar="FILE",
            help=_("The scenario file (JSON, described in docs/scenarios.md)."),
        )
        parser.add_argument(
            "--policy",
            required=True,
            choices=POLICIES,
            help=_("How walk-ins choose a hall: the nearest one, or the recommended one."),
        )
        parser.add_argument(
            "--seed",
            required=True,
            type=int,
            metavar="N",
            help=_("The random seed, a whole number from 0; the same seed gives the same figures."),
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help=_("Print only the figures as one JSON object."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = read_scenario_file(options["scenario"])
            result = run_simulation(scenario, options["policy"], options["seed"])
        except InvalidInput as error:
            raise CommandError(str(error.message), returncode=EXIT_BAD_INPUT) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.summary()))
        else:
            self.stdout.write(readable(result))
