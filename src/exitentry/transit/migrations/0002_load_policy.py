"""Seed the visa-free transit policy: the 240-hour rule, eligible nationalities, designated ports.

Runs the same loader as the code (`transit.reference.load_reference_data`) with this migration's
historical models; if a later migration adds a field the loader writes, move this step after it.
"""

from django.db import migrations


def load(apps, schema_editor):
    from exitentry.transit.reference import load_reference_data

    load_reference_data(registry=apps)


class Migration(migrations.Migration):
    dependencies = [("transit", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
