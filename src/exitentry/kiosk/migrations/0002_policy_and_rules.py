"""The kiosk policy and the instant-endorsement rules in force from the start (seed 000).

Business (S) endorsements are issued at self-service devices when the enterprise filing is
verified; individual (G) and group (T) travel endorsements when the person held one before.
Both tables are editable in the admin; a change is a new row with a later effective date.
"""

import datetime as dt

from django.db import migrations

START = dt.date(2024, 1, 1)
RULES = [("S", "enterprise_filing"), ("G", "repeat"), ("T", "repeat")]


def seed(apps, schema_editor):
    KioskPolicy = apps.get_model("kiosk", "KioskPolicy")
    Rule = apps.get_model("kiosk", "InstantEndorsementRule")
    KioskPolicy.objects.get_or_create(
        effective_from=START,
        defaults={
            "default_idle_timeout_seconds": 90,
            "offline_after_minutes": 5,
            "payment_wait_seconds": 180,
            "stuck_after_minutes": 15,
        },
    )
    for code, basis in RULES:
        Rule.objects.get_or_create(endorsement_type=code, effective_from=START, defaults={"basis": basis})


def unseed(apps, schema_editor):
    apps.get_model("kiosk", "KioskPolicy").objects.filter(effective_from=START).delete()
    apps.get_model("kiosk", "InstantEndorsementRule").objects.filter(effective_from=START).delete()


class Migration(migrations.Migration):
    dependencies = [("kiosk", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
