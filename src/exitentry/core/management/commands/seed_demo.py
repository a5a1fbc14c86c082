"""`exitentry seed-demo`: load the demo province (idempotent; refused in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exitentry.accounts.demo import DEMO_PASSWORD, seed_accounts
from exitentry.catalog.services import load_reference_data
from exitentry.servicepoints.demo import seed_service_network


class Command(BaseCommand):
    help = "Load a demo province: catalog, service points with slots, staff and applicant001-applicant200."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed-demo is refused when EXITENTRY_ENV=production: it creates known passwords."
            )
        self.stdout.write("Loading the catalog reference data…")
        load_reference_data()
        self.stdout.write("Creating service points, hours, counters and slots for the next 30 days…")
        seed_service_network()
        self.stdout.write("Creating staff and applicant accounts…")
        logins = seed_accounts()

        self.stdout.write(
            self.style.SUCCESS(f"\nDemo province ready. Demo logins (password for all: {DEMO_PASSWORD}):")
        )
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role:<15} {login.note}")
        self.stdout.write("")
