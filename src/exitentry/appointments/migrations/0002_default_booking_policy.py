"""The province-wide booking policy a fresh deployment starts with (editable in the admin)."""

import datetime

from django.db import migrations


def add_policy(apps, schema_editor):
    BookingPolicy = apps.get_model("appointments", "BookingPolicy")
    if not BookingPolicy.objects.filter(service_point__isnull=True).exists():
        BookingPolicy.objects.create(
            days_ahead=30,
            release_time=datetime.time(8, 0),
            max_active_per_account=3,
            requests_per_ip_per_minute=60,
            effective_from=datetime.date(2020, 1, 1),
            note="Default policy",
        )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(add_policy, migrations.RunPython.noop)]
