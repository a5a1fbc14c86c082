"""The province-wide queue policy and one ticket letter and default service time per skill.

Service times are the starting assumption only: predictions use each hall's measured service
times as soon as it has some (see services.forecast).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

PROFILES = [
    ("citizens_documents", "A", Decimal("8.0")),
    ("endorsements", "B", Decimal("5.0")),
    ("emergency", "E", Decimal("12.0")),
    ("foreigners", "F", Decimal("15.0")),
    ("green_channel", "G", Decimal("10.0")),
]


def add_defaults(apps, schema_editor):
    SkillProfile = apps.get_model("queueing", "SkillProfile")
    QueuePolicy = apps.get_model("queueing", "QueuePolicy")
    for skill, letter, minutes in PROFILES:
        SkillProfile.objects.get_or_create(
            skill=skill, defaults={"letter": letter, "default_service_minutes": minutes}
        )
    if not QueuePolicy.objects.filter(service_point__isnull=True).exists():
        QueuePolicy.objects.create(
            effective_from=dt.date(2020, 1, 1),
            check_in_opens_minutes=30,
            check_in_closes_minutes=15,
            walk_in_fairness_minutes=30,
            turn_near_people=3,
            note="Default policy",
        )


class Migration(migrations.Migration):
    dependencies = [("queueing", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
