"""`exitentry backup [PATH]`: a consistent copy of the database (pg_dump or the SQLite backup API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exitentry.core import clock
from exitentry.ops import services


class Command(BaseCommand):
    help = "Back up the database to PATH (default: VAR_DIR/backups/exitentry-<time>.<dump|sqlite3>)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else None
        if path is None:
            suffix = "dump" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite3"
            path = Path(settings.BACKUP_DIR) / f"exitentry-{clock.now():%Y%m%dT%H%M%SZ}.{suffix}"
        try:
            written = services.backup(path)
        except services.BackupFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backup written to {written} ({written.stat().st_size} bytes)")
