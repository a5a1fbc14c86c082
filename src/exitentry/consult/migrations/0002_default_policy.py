"""The consultation policy in force from the start (seed 003: home service for people aged 60 or
over and for groups of more than 20). Administrators change it in the admin with a new effective date."""

import datetime as dt

from django.db import migrations


def add_policy(apps, schema_editor):
    ConsultPolicy = apps.get_model("consult", "ConsultPolicy")
    if not ConsultPolicy.objects.exists():
        ConsultPolicy.objects.create(
            max_verification_attempts=3,
            home_visit_min_age=60,
            home_visit_group_more_than=20,
            visit_minutes=45,
            travel_speed_kmh=30,
            effective_from=dt.date(2018, 5, 2),
        )


class Migration(migrations.Migration):
    dependencies = [("consult", "0001_initial")]
    operations = [migrations.RunPython(add_policy, migrations.RunPython.noop)]
