"""`exitentry seed-demo`: load the demo province (idempotent; refused in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exitentry.accommodation.demo import seed_accommodation
from exitentry.accounts.demo import DEMO_PASSWORD, seed_accounts
from exitentry.applications.demo import seed_enterprise
from exitentry.catalog.services import load_reference_data
from exitentry.consult.demo import seed_consult
from exitentry.foreigners.demo import seed_foreigners
from exitentry.insight.demo import seed_insight_history
from exitentry.kiosk.demo import seed_demo_kiosk
from exitentry.records.demo import seed_travel_records
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
        self.stdout.write("Creating foreigners' halls in Beijing, 24/7 port visa offices and their accounts…")
        foreigners_logins = seed_foreigners()
        self.stdout.write("Creating staff and applicant accounts…")
        logins = seed_accounts() + foreigners_logins
        enterprise = seed_enterprise(DEMO_PASSWORD)
        self.stdout.write(
            f"Green channel: {enterprise.username} ({enterprise.organisation}) files its "
            f"{enterprise.employees} employees at /applications/enterprise/ with {enterprise.xlsx}"
        )
        self.stdout.write("Linking hotel01 to its hotel, adding police01 and two demo guests…")
        logins += seed_accommodation()
        self.stdout.write(f"Help centre and home-service teams: {seed_consult()}")
        self.stdout.write("Writing two years of dashboard history (insight rollups)…")
        seed_insight_history()
        self.stdout.write(f"Border crossings for the demo applicants: {seed_travel_records()} new records")
        kiosk = seed_demo_kiosk()
        self.stdout.write(
            f"Demo kiosk at {kiosk.device.service_point.code}: open /kiosk/setup/ and enter the token "
            f"{kiosk.token} (business endorsement card: {kiosk.business_card}; repeat: {kiosk.repeat_card})"
        )

        self.stdout.write(
            self.style.SUCCESS(f"\nDemo province ready. Demo logins (password for all: {DEMO_PASSWORD}):")
        )
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role:<15} {login.note}")
        self.stdout.write("")
