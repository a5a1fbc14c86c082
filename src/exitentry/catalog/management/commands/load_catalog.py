"""`exitentry load-catalog`: create or update the catalog from the reference files (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exitentry.catalog.reference import ReferenceDataError
from exitentry.catalog.services import load_reference_data


class Command(BaseCommand):
    help = (
        "Load document and endorsement types, services, fees, materials, promised times and city lists "
        "from DOMAIN_DATA_DIR and catalog/data/reference.toml. Rows from the files are brought back to "
        "the files' values; rows added in the admin are left alone. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_reference_data(actor="load-catalog")
        except ReferenceDataError as error:
            raise CommandError(f"reference data: {error}") from error
        for kind, total in report.total.items():
            self.stdout.write(f"{kind}: {total} ({report.created.get(kind, 0)} new)")
        self.stdout.write(self.style.SUCCESS(f"Catalog loaded: {report.created_count} new rows."))
