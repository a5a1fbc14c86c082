"""`exitentry insight-rollup --from D --to D`: recompute the daily rollups of a range (backfill)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exitentry.core.errors import DomainError
from exitentry.insight import rollups


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Recompute the insight rollups for every day from --from to --to (inclusive); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        first, last = _date(options["first"]), _date(options["last"])
        try:
            summaries = rollups.backfill(first, last, actor="system")
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        rows = sum(s.issuance + s.sla + s.halls + s.payments for s in summaries)
        self.stdout.write(f"Rolled up {len(summaries)} days ({first} to {last}): {rows} rows.")
