"""The province-wide travel model: straight-line km × 1.4 at 25 km/h door to door, 15 minutes' grace.

A city average for a mix of bus, metro and car including the walk, the wait and parking; each
deployment tunes it in the admin (an edit takes effect from its `effective_from`).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations


def add_default(apps, schema_editor):
    TravelModel = apps.get_model("routing", "TravelModel")
    if not TravelModel.objects.exists():
        TravelModel.objects.create(
            road_factor=Decimal("1.40"),
            speed_kmh=Decimal("25.0"),
            en_route_grace_minutes=15,
            effective_from=dt.date(2020, 1, 1),
            note="Default travel model",
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]
