"""The insight policy in force from the start (editable in the admin; a new row supersedes it)."""

import datetime as dt

from django.db import migrations


def add_default(apps, schema_editor):
    InsightPolicy = apps.get_model("insight", "InsightPolicy")
    InsightPolicy.objects.get_or_create(
        effective_from=dt.date(2020, 1, 1),
        defaults={
            "refresh_days_back": 3,
            "sla_days_ahead": 30,
            "max_export_days": 3660,
            "note": "Recompute the last three days and promised dates a month ahead; exports up to ten years.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]

    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]
