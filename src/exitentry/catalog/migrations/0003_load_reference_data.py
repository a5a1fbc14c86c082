"""Load the catalog reference data, so that a production `migrate` has a working catalog.

It runs the same loader as `exitentry load-catalog`, with this migration's historical models.
If the loader ever starts writing a field that a later migration adds, move this step into a new
migration after that one and make this one a no-op.
"""

from django.db import migrations


def load(apps, schema_editor):
    # Moved to 0005 once the loader started writing DocumentType.holder (added by 0004); a
    # database that ran this step before gets the same rows again there, the loader is idempotent.
    return


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_policy_tables"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=True)]
