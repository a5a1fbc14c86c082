"""`exitentry restore PATH --yes`: replace the database's contents with a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exitentry.ops import services


class Command(BaseCommand):
    help = "Restore the database from a backup written by `exitentry backup` (stop web and workers first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the current contents are replaced."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("restore replaces every row in the database; run again with --yes")
        try:
            services.restore(Path(options["path"]))
        except services.BackupFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restored from {options['path']}; run `exitentry audit verify` to check the audit chain"
        )
