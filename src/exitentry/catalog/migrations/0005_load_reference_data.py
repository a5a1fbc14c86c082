"""Load the catalog reference data, so that a production `migrate` has a working catalog.

It runs the same loader as `exitentry load-catalog`, with this migration's historical models.
If the loader ever starts writing a field that a later migration adds, move this step into a new
migration after that one and make this one a no-op (as 0003 was made when 0004 added a field).
"""

from django.db import migrations


def load(apps, schema_editor):
    from exitentry.catalog.services import load_reference_data

    load_reference_data(registry=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_document_type_holder"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
