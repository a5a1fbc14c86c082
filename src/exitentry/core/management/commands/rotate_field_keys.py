"""`exitentry rotate-field-keys`: re-seal encrypted fields with the newest key (docs/security.md).

Put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart, run this,
then drop the old keys. With `--digests` it instead recomputes every digest under the current
FIELD_LOOKUP_KEY (after changing that key; lookups miss rows not yet done while it runs).
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from exitentry.core import crypto
from exitentry.core.fields import encrypted_columns, rewrite_table


class Command(BaseCommand):
    help = "Re-encrypt ID and phone numbers with the newest FIELD_ENCRYPTION_KEYS key, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument(
            "--digests", action="store_true", help="recompute every digest under the current FIELD_LOOKUP_KEY"
        )
        parser.add_argument("--database", default="default")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        counts: dict[str, int] = {}
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed or not encrypted_columns(model):
                continue
            done = rewrite_table(
                model, using=options["database"], batch_size=options["batch_size"], digests=options["digests"]
            )
            counts[done.table] = done.rows
        summary = {"key_id": crypto.key_ring().primary_id, "rows": counts, "total": sum(counts.values())}
        if options["json"]:
            self.stdout.write(json.dumps(summary, sort_keys=True))
            return
        for table, rows in sorted(counts.items()):
            self.stdout.write(f"{table}: {rows} rows rewritten")
        self.stdout.write(f"total {summary['total']}; newest key id {summary['key_id']}")
